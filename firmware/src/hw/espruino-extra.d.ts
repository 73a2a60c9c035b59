// What @types/espruino (1.95) lacks or types loosely, as Espruino 2v2x has it.
// Only src/hw/espruino.ts may use these (test/boundary.test.ts checks it).

declare function require(module: "Storage"): EspruinoStorage;
declare function require(module: "net"): EspruinoNet;
declare function require(module: "Wifi"): EspruinoWifi;
declare function require(module: "WIZnet"): EspruinoWIZnet;
declare function require(module: string): unknown;

interface EspruinoStorageFile {
  write(data: string): void;
  readLine(): string | undefined;
  getLength(): number;
  erase(): void;
}

interface EspruinoStorage {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
  list(regex?: RegExp, filter?: { sf?: boolean }): string[];
  compact(): void;
  getFree(): number;
  /** Espruino 2v05 and later (the firmware needs 2v2x). */
  getStats(): { fileBytes: number; fileCount: number; trashBytes: number; trashCount: number; freeBytes: number };
  open(name: string, mode: "r" | "w" | "a"): EspruinoStorageFile;
}

interface EspruinoSocket {
  write(data: string): void;
  end(): void;
  on(event: string, cb: (x?: unknown) => void): void;
}

interface EspruinoNet {
  /** The callback is optional: the socket also emits "connect" (checked on the Linux build, 2v29). */
  connect(opts: { host: string; port: number }, cb?: () => void): EspruinoSocket;
}

interface EspruinoWifi {
  connect(ssid: string, opts: { password?: string }, cb: (err: unknown) => void): void;
  disconnect(cb?: () => void): void;
  on(event: "connected" | "disconnected", cb: (details?: unknown) => void): void;
  removeAllListeners(event?: string): void;
}

/** SPI1/SPI2 (hardware SPI; on the ESP32 any pins through the GPIO matrix). */
interface EspruinoSPI {
  setup(opts: { sck?: unknown; miso?: unknown; mosi?: unknown; baud?: number; mode?: number }): void;
}

/** libs/network/wiznet/jswrap_wiznet.c (only in builds with USE_WIZNET). */
interface EspruinoWIZnet {
  /** Returns undefined when the chip's init fails; busy-waits while the PHY link is down. */
  connect(spi: EspruinoSPI, cs: Pin): EspruinoEthernet | undefined;
}

interface EspruinoEthernet {
  /** An options object: static; null/undefined: DHCP. cb(err): null or "DHCP failed". */
  setIP(options: { ip?: string; subnet?: string; gateway?: string; dns?: string; mac?: string } | null, cb?: (err: string | null) => void): boolean;
  getIP(): { ip: string; subnet: string; gateway: string; dns: string; mac: string };
  getStatus(): { state: string; id: string; phylink: "up" | "down"; phypowmode: string; speed?: number; duplex?: number };
  setHostname(name: string, cb?: (err: string | null) => void): boolean;
}

interface EspruinoSerialPort {
  setup(baud: number, opts: { rx?: unknown; tx?: unknown; parity?: string; stopbits?: number; bytesize?: number; path?: string }): void;
  write(data: Uint8Array | string): void;
  on(event: "data", cb: (data: string) => void): void;
  removeAllListeners(event?: string): void;
  path?: string;
}

declare const process: {
  memory(gc?: boolean): { free: number; usage: number; total: number };
  env: { [k: string]: unknown };
};

declare namespace E {
  function enableWatchdog(timeout: number, isAuto?: boolean): void;
  function reboot(): void;
  function on(event: "init" | "kill", cb: () => void): void;
}

declare const ESP32: { reboot(): void } | undefined;

declare function setTimeout(fn: () => void, ms: number): unknown;
declare function setInterval(fn: () => void, ms: number): unknown;
declare const console: { log(...args: unknown[]): void };
