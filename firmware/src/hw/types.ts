/**
 * The hardware boundary. Everything in the firmware except hw/espruino.ts takes these
 * interfaces, so that it runs unchanged under vitest (test/node-hw.ts) and on Espruino.
 */
import type { Clock } from "@manure-edge/protocol";

export type { Clock };

/** A UART (Serial2, Serial3... on the ESP32). Bytes in, bytes out. */
export interface Uart {
  /** Writes raw bytes; returns at once (the UART drains them in the background). */
  write(bytes: Uint8Array): void;
  /** Sets the only data listener (replacing a previous one); null removes it. */
  onData(listener: ((chunk: Uint8Array) => void) | null): void;
}

/** A digital output (the RS485 transceiver's DE/RE pin). */
export interface OutputPin {
  set(high: boolean): void;
}

/**
 * Espruino's Storage (flash, journaling): files are written whole, or appended to through
 * StorageFile (which must never contain "\xFF"). Old versions become trash until compact().
 */
export interface Storage {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
  list(prefix: string): string[];
  /** Bytes left for new data, and bytes taken by trash (erased or rewritten files). */
  stats(): { free: number; trash: number };
  compact(): void;
  /** Appends a line (no "\xFF") to an append file; false when flash is full. */
  appendLine(name: string, line: string): boolean;
  /**
   * All lines of an append file, oldest first, each with its "\n" as StorageFile.readLine()
   * gives it: a last line without one was torn (a power cut, a failed append).
   */
  readLines(name: string): string[];
}

/** A TCP connection, Espruino net.Socket-like, data as binary strings (one char per byte). */
export interface Socket {
  write(data: string): void;
  end(): void;
  on(event: "connect", cb: () => void): void;
  on(event: "data", cb: (data: string) => void): void;
  on(event: "close", cb: () => void): void;
  on(event: "error", cb: (err: unknown) => void): void;
}

export interface Net {
  connect(host: string, port: number): Socket;
}

/**
 * Link bring-up (Wifi, W5500 Ethernet or none): calls back whenever the link goes up or down
 * (with the node's address when the link knows it).
 */
export interface Link {
  start(onChange: (up: boolean, ip?: string) => void): void;
  stop(): void;
  /** Network errors so far: failed bring-ups (no module, DHCP failed) and lost links (status err.netErr). */
  errors?(): number;
  /**
   * The node's connections keep failing while the link says it is up (a router rebooted and
   * the lease is gone; the W5500 has no event for it): bring the link up again.
   */
  stale?(): void;
}

export interface Platform {
  /** Free and total JsVars (Espruino process.memory()); bytes-based estimate elsewhere. */
  memory(): { free: number; total: number };
  enableWatchdog(seconds: number): void;
  kickWatchdog(): void;
  reboot(): void;
  log(msg: string): void;
}

/** Everything the node needs from the board. */
export interface Hardware {
  clock: Clock;
  storage: Storage;
  net: Net;
  platform: Platform;
  /** Opens a UART by name ("Serial2") with its settings; the pins are board names ("D16"). */
  uart(opts: UartOptions): Uart;
  output(pin: string): OutputPin;
  link(cfg: unknown): Link;
}

export interface UartOptions {
  serial: string;
  baud: number;
  parity?: "none" | "even" | "odd";
  stop?: number;
  rx?: string;
  tx?: string;
}
