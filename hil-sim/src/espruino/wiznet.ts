import type { Clock } from "@manure-edge/protocol";

/**
 * A WIZnet W5500 Ethernet module soldered to the node, and its cable, driven by the test or
 * scenario (faults below). The runtime offers `require("WIZnet")` only when it is given one
 * (EspruinoRuntimeOptions.w5500): on a build without USE_WIZNET the module does not exist.
 *
 * Faults:
 * - `present = false`: no module answers on SPI. Emulated as the driver's own failure path
 *   (jswrap_wiznet.c jswrap_wiznet_connect: "WIZnet Initialize failed.", returns undefined).
 *   On real hardware an absent module more likely reads all-0 or all-1 on MISO and then hangs
 *   in the PHY-link loop or fails DHCP: this is the clean case only.
 * - `unplug()` / `plug()`: the cable. While out, the PHY link is down (getStatus().phylink),
 *   TCP stalls like a cut network (VirtualNetwork semantics: kept, given up after
 *   tcpGiveUpMs), DHCP fails, and `connect()` hangs: jswrap_wiznet_connect busy-waits
 *   `while (tmp == PHY_LINK_OFF)` for the cable, so the interpreter stops until the
 *   watchdog resets it (the runtime's hang).
 * - `dhcpFailures = n`: the next n DHCP requests get no answer (DHCP server down or slow):
 *   setIP's callback gets "DHCP failed" (dhcp.c getIP_DHCPS after MAX_DHCP_RETRY = 2 resends
 *   every DHCP_WAIT_TIME = 10 s, i.e. 30 s).
 */
export interface W5500Options {
  /** GPIOs the module is wired to; a setup on other pins finds no module. Default: any. */
  pins?: { sck: string; miso: string; mosi: string; cs: string };
  /** The address the farm's DHCP server hands out. Default 192.168.1.60. */
  dhcpIp?: string;
  /** A DHCP exchange that succeeds takes this long (virtual ms). Default 1500. */
  dhcpMs?: number;
  /** One that fails: 3 × DHCP_WAIT_TIME (dhcp.h). Default 30 000. */
  dhcpFailMs?: number;
}

export class W5500Module {
  present = true;
  dhcpFailures = 0;
  readonly opts: Required<Omit<W5500Options, "pins">> & Pick<W5500Options, "pins">;
  readonly stats = { connects: 0, dhcpOk: 0, dhcpFailed: 0, staticIp: 0, unplugs: 0, hangs: 0 };
  private isPlugged = true;
  private readonly watchers = new Set<(plugged: boolean) => void>();

  constructor(opts: W5500Options = {}) {
    this.opts = { dhcpIp: opts.dhcpIp ?? "192.168.1.60", dhcpMs: opts.dhcpMs ?? 1500, dhcpFailMs: opts.dhcpFailMs ?? 30_000, pins: opts.pins };
  }

  get plugged(): boolean {
    return this.isPlugged;
  }

  unplug(): void {
    if (!this.isPlugged) return;
    this.isPlugged = false;
    this.stats.unplugs++;
    for (const w of [...this.watchers]) w(false);
  }

  plug(): void {
    if (this.isPlugged) return;
    this.isPlugged = true;
    for (const w of [...this.watchers]) w(true);
  }

  /** @internal */
  watch(fn: (plugged: boolean) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }
}

interface NetInfo {
  ip: string;
  subnet: string;
  gateway: string;
  dns: string;
}

const ZERO: NetInfo = { ip: "0.0.0.0", subnet: "0.0.0.0", gateway: "0.0.0.0", dns: "0.0.0.0" };
/** jswrap_wiznet.c: the MAC set when the chip has none (WIZnet's range). */
const DEFAULT_MAC = "00:08:dc:01:02:03";

export type WiznetEmit = (event: string, err: string) => void;

/**
 * The chip's state for one boot (RAM of the W5500 is reset with the node: the module shares
 * its power). Follows libs/network/wiznet/jswrap_wiznet.c (Espruino 2v29).
 */
export class WiznetChip {
  /** networkState == NETWORKSTATE_ONLINE: set by connect(), never cleared by the driver. */
  online = false;
  private info: NetInfo = { ...ZERO };
  private timers = new Set<unknown>();

  constructor(
    private readonly clock: Clock,
    readonly module: W5500Module,
    private readonly emit: WiznetEmit,
    private readonly hang: (why: string) => void,
    private readonly block: (ms: number) => void = () => undefined,
  ) {}

  /** Can a TCP socket pass? The chip is online, has an address and the cable is in. */
  get linkUp(): boolean {
    return this.online && this.info.ip !== "0.0.0.0" && this.module.plugged && this.module.present;
  }

  /**
   * `require("WIZnet").connect(spi, cs)`: "ok", or "absent" (init failed: the prelude prints
   * the driver's message and returns undefined). With the cable out it never returns.
   */
  connect(spi: { sck: string; miso: string; mosi: string } | undefined, cs: string): "ok" | "absent" {
    const m = this.module;
    m.stats.connects++;
    const p = m.opts.pins;
    // An SPI never set up clocks nothing: no module answers.
    const wired = !!spi && (!p || (spi.sck === p.sck && spi.miso === p.miso && spi.mosi === p.mosi && cs === p.cs));
    if (!m.present || !wired) return "absent";
    if (!m.plugged) {
      m.stats.hangs++;
      this.hang("WIZnet.connect(): waiting for the PHY link (cable out), jswrap_wiznet.c busy loop");
      throw new Error("interpreter hung in WIZnet.connect");
    }
    this.online = true;
    return "ok";
  }

  /**
   * `eth.setIP(options, callback)`: static when options is an object, DHCP otherwise. The
   * callback (queued by the runtime) gets null or "DHCP failed". Returns setIP's boolean.
   * The real call blocks through the DHCP exchange: here the outcome is decided now, the
   * interpreter is blocked for the exchange's virtual duration (the node's timers and events
   * wait, the watchdog is not kicked) and the callback comes at its end. What the caller does
   * after setIP returns still runs at the start (on the device, at the end).
   */
  setIP(options: Partial<NetInfo> | undefined): boolean {
    if (!this.online) throw new Error("Not connected to the internet");
    const m = this.module;
    if (options) {
      // _eth_getIP_set_address: only the fields given are changed.
      this.info = { ...this.info, ...Object.fromEntries(Object.entries(options).filter(([k]) => k in ZERO)) };
      m.stats.staticIp++;
      this.later(() => this.emit("setip-cb", ""), 0);
      return true;
    }
    // getIP_DHCPS clears the address first, then runs DISCOVER/OFFER/REQUEST/ACK.
    this.info = { ...ZERO };
    const ok = m.present && m.plugged && m.dhcpFailures <= 0;
    if (!ok && m.dhcpFailures > 0) m.dhcpFailures--;
    this.block(ok ? m.opts.dhcpMs : m.opts.dhcpFailMs);
    this.later(() => {
      if (ok && m.plugged) {
        m.stats.dhcpOk++;
        const ip = m.opts.dhcpIp;
        const gw = ip.replace(/\.\d+$/, ".1");
        this.info = { ip, subnet: "255.255.255.0", gateway: gw, dns: gw };
        this.emit("setip-cb", "");
      } else {
        m.stats.dhcpFailed++;
        this.emit("warn", "DHCP failed");
        this.emit("setip-cb", "DHCP failed");
      }
    }, ok ? m.opts.dhcpMs : m.opts.dhcpFailMs);
    return ok;
  }

  /** `eth.getIP()`; throws when connect() has not run, as the driver does. */
  getIP(): NetInfo & { mac: string } {
    if (!this.online) throw new Error("Not connected to the internet");
    // jswrap_ethernet_getIP: no gateway → dns reported as 0.0.0.0
    const dns = this.info.gateway.startsWith("0.") ? "0.0.0.0" : this.info.dns;
    return { ...this.info, dns, mac: DEFAULT_MAC };
  }

  /** `eth.getStatus()` (W5500 fields). */
  status(): Record<string, unknown> {
    const states = ["offline", "connected", "online", "disconnect"];
    return {
      state: states[this.online ? 2 : 0], id: "W5500", phylink: this.module.plugged && this.module.present ? "up" : "down",
      phypowmode: "normal", by: 1, mode: 7, speed: 100, duplex: 1,
    };
  }

  /** Power loss / reboot. */
  stop(): void {
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    this.online = false;
  }

  private later(fn: () => void, ms: number): void {
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, ms);
    this.timers.add(h);
  }
}
