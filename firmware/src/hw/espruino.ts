/**
 * The ONLY module that touches Espruino's globals (Serial2, digitalWrite, E, require(...),
 * setTimeout, process...). It adapts them to the interfaces of ./types.ts.
 * test/boundary.test.ts checks that no other source file uses them.
 */
import type { Clock, NetConfig } from "@manure-edge/protocol";
import type { Hardware, Link, Net, OutputPin, Platform, Socket, Storage, Uart, UartOptions } from "./types";

const G = global as unknown as { [name: string]: unknown };

/**
 * Espruino's built-in modules. Looked up on the global object, not called as `require(...)`,
 * so that the bundler leaves it alone (it would wrap it in a shim that needs Proxy).
 */
function builtin(name: "Storage"): EspruinoStorage;
function builtin(name: "net"): EspruinoNet;
function builtin(name: "Wifi"): EspruinoWifi;
function builtin(name: "WIZnet"): EspruinoWIZnet;
function builtin(name: string): unknown {
  return (G.require as (n: string) => unknown)(name);
}

// Espruino's own functions: they do not use `this` (checked on the Linux build, 2v29).
const clock: Clock = {
  now: Date.now,
  setTimeout: setTimeout as Clock["setTimeout"],
  clearTimeout: clearTimeout as Clock["clearTimeout"],
  setInterval: setInterval as Clock["setInterval"],
  clearInterval: clearInterval as Clock["clearInterval"],
};

function storage(): Storage {
  const S = builtin("Storage");
  return {
    read: (n) => S.read(n),
    write: (n, d) => {
      try {
        return S.write(n, d) !== false;
      } catch {
        return false;
      }
    },
    erase: (n) => {
      // Whole files and StorageFile (append) files are stored differently: erase both kinds.
      S.erase(n);
      S.open(n, "r").erase();
    },
    list: (prefix) => {
      const seen: { [n: string]: boolean } = {};
      const out: string[] = [];
      const all = S.list();
      for (let i = 0; i < all.length; i++) {
        let n = all[i];
        // StorageFile chunks are named <name><chunk number as one char below 32>.
        if (n.length > 1 && n.charCodeAt(n.length - 1) < 32) n = n.substr(0, n.length - 1);
        if (n.indexOf(prefix) === 0 && !seen[n]) {
          seen[n] = true;
          out.push(n);
        }
      }
      return out.sort();
    },
    stats: () => {
      const s = S.getStats();
      return { free: s.freeBytes, trash: s.trashBytes };
    },
    compact: () => S.compact(),
    appendLine: (n, line) => {
      try {
        // StorageFile creates a chunk with the first write and fails when that write is
        // bigger than a chunk (the flash page less a header: 1 KB pages on the Linux build);
        // later writes may spill into one more chunk only. Small pieces fit everywhere.
        const f = S.open(n, "a");
        const d = line + "\n";
        for (let i = 0; i < d.length; i += 128) f.write(d.substr(i, 128));
        return true;
      } catch (e) {
        console.log("Storage append to " + n + " failed: " + e);
        return false;
      }
    },
    readLines: (n) => {
      const f = S.open(n, "r");
      const out: string[] = [];
      for (;;) {
        const l = f.readLine();
        if (l === undefined) break;
        out.push(l);
      }
      return out;
    },
  };
}

function toBytes(s: string): Uint8Array {
  const u = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
  return u;
}

function uart(o: UartOptions): Uart {
  const ser = G[o.serial] as EspruinoSerialPort;
  if (!ser || !ser.setup) throw new Error("no UART " + o.serial);
  const opts: { rx?: unknown; tx?: unknown; parity?: string; stopbits?: number; path?: string } = { stopbits: o.stop || 1 };
  // Espruino's Linux build: setup() replaces the port's `path` (its tty) with options.path,
  // so a path given beforehand (Serial2.path = "/dev/pts/3") is passed along.
  if (ser.path) opts.path = ser.path;
  if (o.rx) opts.rx = G[o.rx];
  if (o.tx) opts.tx = G[o.tx];
  if (o.parity && o.parity !== "none") opts.parity = o.parity;
  ser.setup(o.baud, opts);
  return {
    write: (b) => ser.write(b),
    onData: (l) => {
      ser.removeAllListeners("data");
      if (l) ser.on("data", (d) => l(toBytes(d)));
    },
  };
}

function output(pin: string): OutputPin {
  const p = pin ? (G[pin] as Pin) : undefined;
  if (!p) return { set: () => undefined }; // no DE pin (auto-direction transceiver, Linux pty)
  return { set: (h) => digitalWrite(p, h) };
}

/**
 * Espruino's socket is the node's Socket: it emits "connect", "data", "close" and "error"
 * (libs/network/socketserver.c; "connect" without a callback to connect() checked on the Linux
 * build, 2v29), and nothing can arrive before the client has registered its handlers: the
 * connection completes in a later task.
 */
const net: Net = {
  connect: (host, port) => builtin("net").connect({ host: host, port: port }) as Socket,
};

/** Wi-Fi with its own reconnection loop: the ESP32 driver gives up after a couple of retries. */
function wifiLink(ssid: string, pass: string | undefined): Link {
  const W = builtin("Wifi");
  let timer: unknown = null;
  let delay = 2000;
  let running = false;
  let notify: (up: boolean) => void = () => undefined;
  const attempt = () => {
    timer = null;
    if (!running) return;
    W.connect(ssid, { password: pass }, (err) => {
      if (err && running) retry();
    });
  };
  const retry = () => {
    if (timer !== null || !running) return;
    timer = setTimeout(attempt, delay);
    delay = Math.min(delay * 2, 60000);
  };
  return {
    start: (cb) => {
      notify = cb;
      running = true;
      W.on("connected", () => {
        delay = 2000;
        notify(true);
      });
      W.on("disconnected", () => {
        notify(false);
        retry();
      });
      attempt();
    },
    stop: () => {
      running = false;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      W.removeAllListeners("connected");
      W.removeAllListeners("disconnected");
    },
  };
}

/** Kicks the watchdog if one runs (not on the Linux build). */
function kick(): void {
  try {
    E.kickWatchdog();
  } catch {
    // no watchdog on this build
  }
}

/** The W5500's PHY link (true when its status cannot be read: then the sockets tell). */
function phyLinked(eth: EspruinoEthernet): boolean {
  try {
    return eth.getStatus().phylink !== "down";
  } catch {
    return true;
  }
}

/**
 * The W5500 once connected, for the rest of this boot: `require("WIZnet").connect()` busy-waits
 * for the PHY link (jswrap_wiznet.c: `do {...} while (tmp == PHY_LINK_OFF)`), so calling it
 * again after a configuration push with the cable out would hang the node. Keyed by the wiring.
 */
let connected: { key: string; eth: EspruinoEthernet } | null = null;

/**
 * Ethernet through a WIZnet W5500 on SPI (Espruino built with USE_WIZNET; firmware/README.md
 * "Ethernet"), after libs/network/wiznet/jswrap_wiznet.c (2v29):
 *  - `SPI1.setup({sck, miso, mosi, baud})`, then `require("WIZnet").connect(SPI1, cs)`: the
 *    driver needs a hardware SPI device ("Expecting SPI device" otherwise), returns undefined
 *    when the chip's init fails, and makes the W5500 the board's network (network.c
 *    networkSet), so `require("net")` sockets go through it from then on;
 *  - `eth.setIP(options, cb)`: an object sets a static address; anything else (null here)
 *    runs DHCP. `setIP(cb)` would run DHCP but never call cb (the callback is the second
 *    argument). cb(err): null, or "DHCP failed" (dhcp.c getIP_DHCPS: DISCOVER resent
 *    MAX_DHCP_RETRY = 2 times every DHCP_WAIT_TIME = 10 s, so up to 30 s, blocking);
 *  - `eth.getIP()` → {ip, subnet, gateway, dns, mac}; `eth.getStatus().phylink` "up"/"down".
 * The driver never renews a lease and has no link event: the cable is watched by polling the
 * PHY status every 5 s; a lost cable pauses MQTT (readings stay buffered) and a new DHCP round
 * runs when it is back; `stale()` (the node's connections keep failing) runs one as well.
 * Every failed bring-up is logged and counted, and retried with backoff (2 s → 5 min); no DHCP
 * round is started while the PHY link is down.
 */
export function w5500Link(c: NetConfig): Link {
  let timer: unknown = null;
  let delay = 2000;
  let running = false;
  let up = false;
  let resetDone = false;
  let eth: EspruinoEthernet | null = null;
  let errors = 0;
  let notify: (up: boolean, ip?: string) => void = () => undefined;
  const spi = c.spi || { sck: "", miso: "", mosi: "" };
  const key = JSON.stringify([spi, c.cs]);
  const later = (fn: () => void, ms: number) => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (running) fn();
    }, ms);
  };
  const down = () => {
    if (!up) return;
    up = false;
    notify(false);
  };
  const fail = (why: string) => {
    errors++;
    down();
    resetDone = false;
    console.log("net: W5500 " + why + "; retry in " + delay / 1000 + " s");
    later(bringUp, delay);
    // Up to 5 min: a DHCP round that fails blocks the node ≈ 30 s, so with a 60 s ceiling a
    // long DHCP outage would keep it blocked a third of the time; at 5 min, under a tenth.
    delay = Math.min(delay * 2, 300000);
  };
  const watch = () => {
    const linked = phyLinked(eth!);
    if (!linked && up) {
      errors++;
      console.log("net: W5500 cable out");
      down();
    } else if (linked && !up) {
      bringUp(); // the cable is back: a new DHCP round (the network may have changed)
      return;
    }
    later(watch, 5000);
  };
  const bringUp = () => {
    try {
      if (connected && connected.key === key) eth = connected.eth;
      if (!eth) {
        // W5500 datasheet, reset timing: RSTn low ≥ 500 µs, then ≤ 1 ms until the PLL locks.
        if (c.rst && !resetDone) {
          resetDone = true;
          digitalWrite(G[c.rst] as Pin, 0);
          later(() => {
            digitalWrite(G[c.rst!] as Pin, 1);
            later(bringUp, 50);
          }, 10);
          return;
        }
        // The module first: on a build without WIZnet this throws "Module WIZnet not found"
        // before any pin is touched.
        const W = builtin("WIZnet");
        const S = G.SPI1 as EspruinoSPI;
        const o: { sck: unknown; miso: unknown; mosi: unknown; baud?: number } = { sck: G[spi.sck], miso: G[spi.miso], mosi: G[spi.mosi] };
        if (spi.baud) o.baud = spi.baud;
        S.setup(o);
        const e = W.connect(S, G[c.cs || ""] as Pin);
        if (!e) throw new Error("no W5500 answers on SPI (init failed)");
        eth = e;
        connected = { key: key, eth: e };
      }
      const e = eth;
      if (!phyLinked(e)) {
        // Cable out: DHCP would only block 30 s and fail. Wait for the cable (watch).
        down();
        later(watch, 5000);
        return;
      }
      kick(); // DHCP blocks up to 30 s
      e.setIP(c.ip || null, (err) => {
        if (!running || eth !== e) return;
        const ip = err ? "" : e.getIP().ip;
        if (err || ip === "0.0.0.0") {
          fail("setIP: " + (err || "no address"));
          return;
        }
        delay = 2000;
        up = true;
        notify(true, ip);
        later(watch, 5000);
      });
    } catch (e) {
      fail(String(e));
    }
  };
  return {
    start: (cb) => {
      notify = cb;
      running = true;
      bringUp();
    },
    stop: () => {
      running = false;
      up = false;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
    errors: () => errors,
    stale: () => {
      if (!running || !up || !eth) return;
      errors++;
      down();
      bringUp();
    },
  };
}

function link(cfg: unknown): Link {
  const c = (cfg || {}) as { type?: string; ssid?: string; pass?: string };
  if (c.type === "wifi" && c.ssid) return wifiLink(c.ssid, c.pass);
  // "none" (Linux build, or a board whose network is already up, e.g. Ethernet set up in .boot0).
  return { start: (cb) => cb(true), stop: () => undefined };
}

const platform: Platform = {
  memory: () => {
    // process.memory() runs a garbage collection first: free is then what the node really has.
    const m = process.memory();
    return { free: m.free, total: m.total };
  },
  enableWatchdog: (s) => {
    try {
      E.enableWatchdog(s, false);
    } catch {
      // not on this build (Linux)
    }
  },
  kickWatchdog: kick,
  reboot: () => {
    if (typeof ESP32 !== "undefined" && ESP32 && ESP32.reboot) ESP32.reboot();
    else E.reboot();
  },
  log: (m) => console.log(m),
};

export function espruinoHardware(): Hardware {
  return { clock: clock, storage: storage(), net: net, platform: platform, uart: uart, output: output, link: link };
}

/**
 * Runs `start` now (the bundle was just evaluated: at upload, from .bootcde, or by a runtime)
 * and again after a save() and at power-up (E.on('init')); `stop` on E.on('kill'), so that a
 * saved image never resumes a half-open socket. Never starts twice without a stop between.
 */
export function runOnEspruino(start: () => void, stop: () => void): void {
  let running = false;
  const up = () => {
    if (running) return;
    running = true;
    start();
  };
  if (typeof E !== "undefined" && E.on) {
    E.on("kill", () => {
      if (!running) return;
      running = false;
      stop();
    });
    E.on("init", up);
  }
  up();
}
