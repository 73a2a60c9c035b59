import { readFileSync } from "node:fs";
import vm from "node:vm";
import type { Clock } from "@manure-edge/protocol";
import { FineClock } from "../bus/fine-clock";
import { stripToEspruino } from "./builtins";
import { BundleRejectedError, checkBundle, type LintFinding, type RegexFinding } from "./es5";
import { FlashStorage, binToBytes, bytesToBin } from "./flash";
import { unhoistFunctions } from "./hoisting";
import { MemoryEstimator, type MemoryOptions } from "./memory";
import { NodeNet, VirtualNetwork, type IoTracker } from "./net";
import { TimerTable } from "./timers";
import type { UartPort } from "./uart";
import { DEFAULT_WIFI_TIMING, WifiStation, type WifiAccessPoint, type WifiTiming } from "./wifi";
import { WiznetChip, type W5500Module } from "./wiznet";

export type SerialName = "Serial1" | "Serial2" | "Serial3";

export interface EspruinoRuntimeOptions {
  /**
   * The simulation's clock (hil-sim VirtualClock, or the FineClock the bus runs on: pass that
   * one so the node and the bus agree to the microsecond). Whole-millisecond clocks are wrapped
   * in a FineClock, since Espruino's timers are not rounded to the millisecond.
   */
  clock: Clock & { io?: IoTracker };
  /** The clock's real-I/O guard; default `clock.io` (or the FineClock's base clock's). */
  io?: IoTracker;
  /** The built firmware bundle; installed into Storage as ".bootcde" (refused unless ES5). */
  bundle?: string;
  /** The node's flash (survives reboots and power loss). Default: a fresh 896 KB area. */
  flash?: FlashStorage;
  /** UART wiring: Serial2 → the RS485 bus master transceiver, Serial3 → the GPS line... */
  uarts?: Partial<Record<SerialName, UartPort>>;
  /**
   * The GPIOs each port is soldered to. When given, a Serial set up on other pins (or on the
   * ESP32's defaults when setup() names none: Serial2 TX D4/RX D5, Serial3 TX D17/RX D16) is
   * not connected to it: its bytes go nowhere and it hears nothing (stats.pinMismatchBytes).
   */
  uartPins?: Partial<Record<SerialName, { rx: string; tx: string }>>;
  /** GPIO that drives a port's DE/RE, e.g. { D4: "Serial2" }. */
  dePins?: Record<string, SerialName>;
  /** The farm's access point. Without one, Wifi.connect fails (no AP found). */
  wifi?: WifiAccessPoint;
  wifiTiming?: Partial<WifiTiming>;
  /** "wifi": net needs the station connected; "wired": Ethernet board, link always up. Default wifi. */
  link?: "wifi" | "wired";
  /**
   * A WIZnet W5500 Ethernet module on SPI (and an Espruino build with USE_WIZNET): the board
   * then has `require("WIZnet")`, and TCP goes through the W5500 once the firmware has
   * connected it and set an address (`link` is ignored). Without it require("WIZnet") throws.
   */
  w5500?: W5500Module;
  network?: VirtualNetwork;
  /** The node's IP address when connected. */
  ip?: string;
  memory?: MemoryOptions;
  /**
   * process.memory() recomputes the estimate at most this often (virtual ms of the node) and
   * returns the last figure in between: the walk costs a few ms of wall time, and a firmware
   * that asks every second would otherwise dominate a long simulation. Default 60 000; 0 =
   * every call.
   */
  memoryRefreshMs?: number;
  /** Chip temperature in °C (E.getTemperature returns the ESP32 sensor's raw ≈°F value). */
  chipTemperatureC?: () => number;
  /** Seed of Math.random inside the node (deterministic runs). */
  seed?: number;
  /** process.version / env.VERSION. Default "2v29". */
  version?: string;
  /** What a boot takes before the bundle runs (ROM, Espruino init). Default 1000 ms. */
  bootDelayMs?: number;
  /**
   * How late each timer callback runs, ms: a number, or [min, max] drawn from the seeded
   * generator per firing. Espruino on an ESP32 runs callbacks from its idle loop, behind
   * whatever else is queued, so "8.83 ms after the write" is really a little later; use this
   * to check that the firmware's timing (DE release, Modbus timeouts) has enough margin.
   * Default 0 (exact).
   */
  timerLatencyMs?: number | [number, number];
  /** Does the RTC keep time over a reboot or watchdog reset (not over power loss)? Default true. */
  rtcSurvivesReset?: boolean;
  /**
   * Valid ES5 that Espruino cannot run (regex features its engine lacks, reads of
   * Array.prototype.slice and the like): refuse the bundle (default) or only record it in
   * regexFindings/lintFindings.
   */
  lint?: "refuse" | "warn";
  /** Also receives every console line as it is printed. */
  onConsole?: (line: ConsoleLine) => void;
}

export interface ConsoleLine {
  /** Virtual (world) time, epoch ms. */
  t: number;
  /** Boot number the line belongs to (1 = first boot). */
  boot: number;
  text: string;
}

export type ResetReason = "power-on" | "reboot" | "watchdog" | "deep-sleep" | "load";

export interface RuntimeStats {
  boots: number;
  resets: Record<ResetReason, number>;
  uncaught: number;
  serialTxDropped: number;
  serialRxDropped: number;
  lineMismatchBytes: number;
  pinMismatchBytes: number;
  ignoredHostCalls: number;
}

const PRELUDE = readFileSync(new URL("./prelude.js", import.meta.url), "utf8");
const SERIALS: SerialName[] = ["Serial1", "Serial2", "Serial3"];

interface SerialState {
  setup: boolean;
  baud: number;
  bytesize: number;
  parity: string;
  stopbits: number;
  rx: string;
  tx: string;
}

/** ESP32 default UART pins when setup() names none (shared/espruino.md, boards/ESP32.py). */
const DEFAULT_UART_PINS: Record<number, { rx: string; tx: string }> = { 1: { rx: "D3", tx: "D1" }, 2: { rx: "D5", tx: "D4" }, 3: { rx: "D16", tx: "D17" } };

function pinName(p: string): string {
  return /^\d+$/.test(p) ? `D${p}` : p;
}

interface PinState {
  mode: string;
  forced: boolean;
  out: number;
}

type Dispatch = (kind: string, a?: unknown, b?: unknown, c?: unknown) => unknown;

/**
 * Espruino 2v2x for ESP32, for Node: runs a firmware bundle (the file that would be flashed)
 * in a node:vm context that has Espruino's API and lacks what Espruino lacks, on the
 * simulation's virtual clock, wired to simulated UARTs, GPIO, Wifi, a virtual network in
 * front of real TCP, and a flash Storage that belongs to the node and outlives every boot.
 * See hil-sim/README.md for what is emulated and what is not.
 */
export class EspruinoRuntime {
  readonly flash: FlashStorage;
  readonly network: VirtualNetwork;
  readonly consoleLines: ConsoleLine[] = [];
  readonly uncaughtErrors: { t: number; boot: number; text: string }[] = [];
  readonly warnings: string[] = [];
  readonly stats: RuntimeStats = {
    boots: 0,
    resets: { "power-on": 0, reboot: 0, watchdog: 0, "deep-sleep": 0, load: 0 },
    uncaught: 0,
    serialTxDropped: 0,
    serialRxDropped: 0,
    lineMismatchBytes: 0,
    pinMismatchBytes: 0,
    ignoredHostCalls: 0,
  };
  regexFindings: RegexFinding[] = [];
  lintFindings: LintFinding[] = [];
  lastResetReason: ResetReason = "power-on";

  private readonly clock: FineClock;
  private readonly io?: IoTracker;
  private readonly opts: EspruinoRuntimeOptions;
  private readonly memory: MemoryEstimator;
  private readonly scripts = new Map<string, vm.Script>();
  private gen = 0;
  private alive = false;
  private ctx?: vm.Context;
  private global?: Record<string, unknown>;
  private dispatch?: Dispatch;
  private timers?: TimerTable;
  private station?: WifiStation;
  private net?: NodeNet;
  private wiz?: WiznetChip;
  private unwatchW5500?: () => void;
  private spi: Record<number, { sck: string; miso: string; mosi: string; baud: number }> = {};
  /** The interpreter is stuck in a busy loop of native code (WIZnet.connect without a cable). */
  private hung = false;
  /** Times the interpreter hung (only the watchdog gets it out). */
  hangs = 0;
  /** Native code blocks the interpreter until this virtual time (a WIZnet DHCP round). */
  private busyUntil = 0;
  private busyTimer: unknown;
  /** Timers and events that came due while blocked: they run, in order, when it ends. */
  private deferred: { fn: unknown; self: unknown; args: unknown[] }[] = [];
  private serial: Record<number, SerialState> = {};
  private pins: PinState[] = [];
  private readonly pinInputs = new Map<number, number>();
  private wdt?: { periodMs: number; auto: boolean; handle: unknown };
  private timeOffset = 0;
  private rtcValid = false;
  private pendingBoot: unknown;
  private rng = 1;
  private handledPromises = new WeakSet<object>();
  private lastMemory?: { t: number; gen: number; usage: number };
  private errorFlags: string[] = [];
  /** Highest process.memory() usage the firmware has seen (estimate, JsVars). */
  memoryHighWater = 0;
  private invokeSlot?: { fn: unknown; self: unknown; args: unknown[] };
  private readonly invokeScript = new vm.Script("__espruinoInvoke()");

  constructor(opts: EspruinoRuntimeOptions) {
    this.opts = opts;
    this.clock = opts.clock instanceof FineClock ? opts.clock : new FineClock(opts.clock);
    this.io = opts.io ?? opts.clock.io ?? (this.clock.base as { io?: IoTracker }).io;
    this.flash = opts.flash ?? new FlashStorage();
    this.network = opts.network ?? new VirtualNetwork();
    this.memory = new MemoryEstimator(opts.memory);
    this.rng = (opts.seed ?? 1) >>> 0 || 1;
    if (opts.bundle !== undefined) this.install(opts.bundle);
  }

  /** Is the node running (powered and booted)? */
  get running(): boolean {
    return this.alive;
  }

  /**
   * Flash a bundle: refuse it unless it parses as ES5 (and, by default, uses no regex feature
   * Espruino lacks), then store it as ".bootcde" as the espruino CLI's save-to-flash does.
   */
  install(bundle: string): void {
    const { regexFindings, lintFindings } = checkBundle(bundle);
    this.regexFindings = regexFindings;
    this.lintFindings = lintFindings;
    if ((this.opts.lint ?? "refuse") === "refuse") {
      const f = regexFindings[0];
      if (f) throw new BundleRejectedError(`bundle uses a regular expression Espruino cannot run (${f.reason}): /${f.pattern}/ at line ${f.line}`, f.line);
      const l = lintFindings[0];
      if (l) throw new BundleRejectedError(`bundle line ${l.line}:${l.column}: ${l.reason}`, l.line, l.column);
    }
    const current = this.flash.read(".bootcde");
    if (!current || bytesToBin(current) !== bundle) this.flash.write(".bootcde", binToBytes(bundle));
  }

  /** Power on (or restore power): boot from flash now. */
  boot(reason: ResetReason = "power-on"): void {
    if (this.alive) throw new Error("espruino: the node is already running");
    if (this.pendingBoot !== undefined) this.clock.clearTimeout(this.pendingBoot);
    this.pendingBoot = undefined;
    this.start(reason);
  }

  /** Power cut: RAM, timers, sockets (dropped without FIN or DISCONNECT) and RTC gone; flash kept. */
  powerLoss(): void {
    if (this.pendingBoot !== undefined) this.clock.clearTimeout(this.pendingBoot);
    this.pendingBoot = undefined;
    this.teardown();
    this.rtcValid = false;
  }

  /** Power cut now, power back after offMs (virtual), then boot. */
  powerCycle(offMs: number): void {
    this.powerLoss();
    this.pendingBoot = this.clock.setTimeout(() => {
      this.pendingBoot = undefined;
      this.start("power-on");
    }, offMs);
  }

  /** Reset from outside (the reset button / E.reboot): 'kill' handlers run, then a boot after bootDelayMs. */
  reboot(reason: ResetReason = "reboot"): void {
    if (this.alive && reason !== "watchdog") this.enter("kill");
    this.teardown();
    if (!(this.opts.rtcSurvivesReset ?? true)) this.rtcValid = false;
    this.pendingBoot = this.clock.setTimeout(
      () => {
        this.pendingBoot = undefined;
        this.start(reason);
      },
      reason === "deep-sleep" ? 0 : (this.opts.bootDelayMs ?? 1000),
    );
  }

  /** Run an expression inside the node (tests, debugging). Returns JSON text of the result. */
  evaluate(expr: string): unknown {
    if (!this.ctx) throw new Error("espruino: the node is not running");
    const json = vm.runInContext(`JSON.stringify((function(){ return (${expr}); })())`, this.ctx) as string | undefined;
    return json === undefined ? undefined : JSON.parse(json);
  }

  /** Level the node drives on a GPIO (outputs), or undefined if the pin is not an output. */
  pinOutput(pin: number): number | undefined {
    const p = this.pins[pin];
    return p && (p.mode === "output" || p.mode === "opendrain") ? p.out : undefined;
  }

  /** Level presented to a GPIO input by the outside world. */
  setPinInput(pin: number, level: 0 | 1): void {
    this.pinInputs.set(pin, level);
  }

  /** JsVars in use now (same figure process.memory().usage returns). */
  memoryUsage(): number {
    if (!this.global || !this.timers) return 0;
    return this.memory.estimate(this.global, [], this.timers.count);
  }

  get memoryTotal(): number {
    return this.memory.total;
  }

  /** Wall ms the last memory estimate took. */
  get memoryEstimateWallMs(): number {
    return this.memory.lastWallMs;
  }

  /** All console output, one line per print, prefixed by virtual ISO time. */
  consoleText(): string {
    return this.consoleLines.map((l) => `${new Date(l.t).toISOString()} [${l.boot}] ${l.text}`).join("\n");
  }

  /** Station driver counters (undefined before the first boot). */
  get wifiStats(): WifiStation["stats"] | undefined {
    return this.station?.stats;
  }

  /** Power off for good (end of a test). */
  dispose(): void {
    this.powerLoss();
    this.memory.dispose();
  }

  // ---------------------------------------------------------------------------------------

  private start(reason: ResetReason): void {
    this.gen++;
    this.stats.boots++;
    this.stats.resets[reason]++;
    this.lastResetReason = reason;
    if (!this.rtcValid) {
      this.timeOffset = -this.clock.now(); // gettimeofday starts at 0 on a cold ESP32
      this.rtcValid = true;
    }
    this.alive = true;
    this.serial = { 1: { setup: true, baud: 115200, bytesize: 8, parity: "none", stopbits: 1, ...DEFAULT_UART_PINS[1] } };
    this.pins = Array.from({ length: 40 }, () => ({ mode: "input", forced: false, out: 0 }));
    this.wdt = undefined;
    this.errorFlags = [];
    const lat = this.opts.timerLatencyMs ?? 0;
    const latency = typeof lat === "number" ? () => lat : () => lat[0] + this.latencyRng() * (lat[1] - lat[0]);
    this.timers = new TimerTable(this.clock, (fn, args) => this.enterCall(fn, undefined, args), latency);
    const gen = this.gen;
    this.station = new WifiStation(this.clock, this.opts.wifi, (ev, d) => this.alive && gen === this.gen && this.onWifi(ev, d), { ...DEFAULT_WIFI_TIMING, ...this.opts.wifiTiming }, this.opts.ip ?? "192.168.1.50");
    this.net = new NodeNet(this.clock, this.io, this.network, () => this.linkUp(), (id, ev, data) => this.alive && gen === this.gen && this.enter("net", id, ev, data));
    this.hung = false;
    this.spi = {};
    if (this.opts.w5500) {
      const w = this.opts.w5500;
      this.wiz = new WiznetChip(this.clock, w, (ev, err) => this.alive && gen === this.gen && this.onWiznet(ev, err), (why) => this.hang(why), (ms) => this.block(ms));
      this.unwatchW5500 = w.watch(() => this.net?.linkChanged());
    }

    const ctx = vm.createContext({}, { name: `espruino boot ${this.stats.boots}`, microtaskMode: "afterEvaluate" });
    const global = vm.runInContext("globalThis", ctx) as Record<string, unknown>;
    // What the prelude needs from V8 but the firmware must not see (Espruino has no Date.UTC
    // nor setUTC*): kept aside before stripping.
    const D = global.Date as unknown as { UTC: unknown; prototype: Record<string, unknown> };
    const saved = { UTC: D.UTC, setUTC: Object.fromEntries(["Date", "FullYear", "Hours", "Minutes", "Month", "Seconds", "Milliseconds"].map((k) => [k, D.prototype[`setUTC${k}`]])) };
    stripToEspruino(global);
    Object.defineProperty(global, "__espruinoInvoke", { value: () => this.runSlot(), enumerable: false });
    const prelude = vm.runInContext(PRELUDE, ctx, { filename: "espruino-prelude.js" }) as (host: object, g: object, saved: object) => Dispatch;
    this.dispatch = prelude(this.hostBridge(gen), global, saved);
    this.ctx = ctx;
    this.global = global;
    this.memory.excludeAll([global]);
    for (const name of SERIALS) {
      const port = this.opts.uarts?.[name];
      const idx = SERIALS.indexOf(name) + 1;
      port?.setReceiver((chunk) => this.serialRx(gen, idx, chunk));
    }

    const code = this.flash.read(".bootcde");
    if (!code) {
      this.print("Espruino: no code in flash (.bootcde)");
      return;
    }
    const source = bytesToBin(code);
    let script = this.scripts.get(source);
    if (!script) {
      let code = source;
      try {
        code = unhoistFunctions(source); // Espruino does not hoist function declarations
      } catch {
        // not ES5 (written to flash behind our back): run as is, V8 reports the syntax error
      }
      try {
        script = new vm.Script(code, { filename: ".bootcde" });
      } catch (e) {
        this.uncaught(e);
        return;
      }
      this.scripts.set(source, script);
    }
    try {
      script.runInContext(ctx);
    } catch (e) {
      this.uncaught(e);
    }
    if (this.alive && gen === this.gen) this.enter("init");
  }

  private teardown(): void {
    this.alive = false;
    this.gen++;
    this.timers?.dropAll();
    this.net?.kill();
    this.station?.stop();
    this.wiz?.stop();
    this.unwatchW5500?.();
    this.unwatchW5500 = undefined;
    this.hung = false;
    if (this.busyTimer !== undefined) this.clock.clearTimeout(this.busyTimer);
    this.busyTimer = undefined;
    this.busyUntil = 0;
    this.deferred = [];
    if (this.wdt) this.clock.clearTimeout(this.wdt.handle);
    this.wdt = undefined;
    for (const name of SERIALS) {
      const port = this.opts.uarts?.[name];
      port?.setReceiver(undefined);
      port?.reset?.();
      port?.setDE?.(false);
    }
    this.ctx = undefined;
    this.global = undefined;
    this.dispatch = undefined;
  }

  private linkUp(): boolean {
    if (this.network.cutNow) return false;
    // WIZnet.connect replaces the board's network (network.c networkSet): sockets are the W5500's.
    if (this.opts.w5500) return !!this.wiz?.linkUp;
    if ((this.opts.link ?? "wifi") === "wired") return true;
    return !!this.station?.connected && !!this.opts.wifi?.up;
  }

  private onWiznet(event: string, err: string): void {
    if (event === "warn") {
      // jsWarn(errorMessage) in jswrap_ethernet_setIP
      this.warnings.push(err);
      this.print(`WARNING: ${err}`);
      return;
    }
    this.net?.linkChanged();
    this.enter("wiznet", event, err);
  }

  /**
   * Native code busy-waits: no callback, timer or event reaches the firmware any more; the
   * watchdog (a hardware timer) still resets the chip if the firmware had enabled it.
   */
  private hang(_why: string): void {
    this.hung = true;
    this.hangs++;
  }

  /**
   * Native code runs for `ms` without returning to the event loop (jswrap_ethernet_setIP's
   * DHCP exchange): timers and events wait and run late, in order, when it ends; the watchdog
   * is not kicked meanwhile.
   */
  private block(ms: number): void {
    const gen = this.gen;
    this.busyUntil = Math.max(this.busyUntil, this.clock.now() + ms);
    if (this.busyTimer !== undefined) this.clock.clearTimeout(this.busyTimer);
    this.busyTimer = this.clock.setTimeout(() => {
      this.busyTimer = undefined;
      if (gen !== this.gen) return;
      this.busyUntil = 0;
      for (const d of this.deferred.splice(0)) this.enterCall(d.fn, d.self, d.args);
    }, this.busyUntil - this.clock.now());
  }

  private onWifi(event: string, details: Record<string, unknown>): void {
    this.net?.linkChanged();
    this.enter("wifi", event, JSON.stringify(details));
  }

  /** Call into the context through a Script, so the context's promise jobs run right after. */
  private enter(kind: string, a?: unknown, b?: unknown, c?: unknown): void {
    if (!this.dispatch) return;
    this.enterCall(this.dispatch, undefined, [kind, a, b, c]);
  }

  private enterCall(fn: unknown, self: unknown, args: unknown[]): void {
    if (!this.alive || !this.ctx || this.hung) return;
    if (this.busyUntil && this.clock.now() < this.busyUntil) {
      this.deferred.push({ fn, self, args });
      return;
    }
    this.invokeSlot = { fn, self, args };
    try {
      this.invokeScript.runInContext(this.ctx);
    } catch (e) {
      this.uncaught(e);
    }
  }

  private runSlot(): unknown {
    const s = this.invokeSlot;
    this.invokeSlot = undefined;
    if (!s) return undefined;
    return (s.fn as (...a: unknown[]) => unknown).apply(s.self, s.args);
  }

  private uncaught(e: unknown, prefix = ""): void {
    this.stats.uncaught++;
    const err = e as { toString?: () => string; stack?: string } | undefined;
    const text = prefix + (typeof e === "string" ? e : err && typeof err === "object" && typeof err.toString === "function" ? err.toString() : JSON.stringify(e));
    this.uncaughtErrors.push({ t: this.clock.now(), boot: this.stats.boots, text: String(text) });
    // process.on('uncaughtException') handlers get it first, as in jsinteractive.c
    let handled = false;
    if (this.dispatch && this.alive) {
      try {
        handled = this.dispatch("uncaught", e) === true;
      } catch {
        handled = false;
      }
    }
    if (!handled) this.print(`Uncaught ${text}`);
  }

  private print(text: string): void {
    const line: ConsoleLine = { t: this.clock.now(), boot: this.stats.boots, text };
    this.consoleLines.push(line);
    this.opts.onConsole?.(line);
  }

  private nodeNow(): number {
    return this.clock.now() + this.timeOffset;
  }

  private latencyState = 0x9e3779b9;
  /** A generator of its own, so that latency does not change the firmware's Math.random(). */
  private latencyRng(): number {
    let x = this.latencyState ^ ((this.opts.seed ?? 1) * 2654435761);
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.latencyState = x >>> 0 || 1;
    return this.latencyState / 4294967296;
  }

  private random(): number {
    // xorshift32: deterministic per seed, independent of the host's Math.random
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0 || 1;
    return this.rng / 4294967296;
  }

  private serialRx(gen: number, idx: number, chunk: Uint8Array): void {
    const st = this.serial[idx];
    if (!this.alive || gen !== this.gen || !st?.setup) {
      this.stats.serialRxDropped += chunk.length;
      return;
    }
    const wired = this.opts.uartPins?.[SERIALS[idx - 1]];
    if (wired && pinName(wired.rx) !== st.rx) {
      this.stats.pinMismatchBytes += chunk.length;
      return;
    }
    const data = this.mismatch(idx) ? this.garble(chunk) : chunk;
    this.enter("serial", idx, bytesToBin(data));
  }

  private mismatch(idx: number): boolean {
    const line = this.opts.uarts?.[SERIALS[idx - 1]]?.line;
    const st = this.serial[idx];
    if (!line || !st) return false;
    return line.baud !== st.baud || (line.dataBits ?? 8) !== st.bytesize || (line.parity ?? "none") !== st.parity;
  }

  /** What a UART set to the wrong baud, size or parity makes of a character: garbage. */
  private garble(b: Uint8Array): Uint8Array {
    this.stats.lineMismatchBytes += b.length;
    return b.map((x, i) => (x * 167 + 13 + i) & 0xff);
  }

  private setDEFor(pin: number, level: number): void {
    const name = this.opts.dePins?.[`D${pin}`];
    if (name) this.opts.uarts?.[name]?.setDE?.(level === 1);
  }

  private armWatchdog(): void {
    const w = this.wdt;
    if (!w || w.auto) return;
    this.clock.clearTimeout(w.handle);
    const gen = this.gen;
    w.handle = this.clock.setTimeout(() => {
      if (gen !== this.gen || !this.alive) return;
      this.print("WATCHDOG: task not kicked, resetting");
      this.reboot("watchdog");
    }, w.periodMs);
  }

  /** The only door from the firmware's realm to the simulator: primitives in, primitives out. */
  private hostBridge(gen: number): object {
    const ok = () => {
      if (this.alive && gen === this.gen && !this.hung) return true;
      this.stats.ignoredHostCalls++;
      return false;
    };
    const flash = this.flash;
    return {
      random: () => this.random(),
      promiseHandled: (p: object) => void this.handledPromises.add(p),
      promiseIsHandled: (p: object) => this.handledPromises.has(p),
      unhandledRejection: (text: string) => ok() && this.uncaught(`Unhandled promise rejection: ${text}`, "Error: "),
      print: (text: string) => ok() && this.print(text),
      warn: (text: string) => {
        this.warnings.push(text);
        if (ok()) this.print(`WARNING: ${text}`);
      },
      now: () => this.nodeNow(),
      setTime: (sec: number) => {
        if (ok()) this.timeOffset = Number(sec) * 1000 - this.clock.now();
      },
      timerAdd: (fn: unknown, ms: number, args: unknown[], interval: boolean) => (ok() ? this.timers!.add(fn, ms, args, interval) : 0),
      timerClear: (id: unknown, all: boolean) => ok() && this.timers!.clear(id, all),
      timerChange: (id: unknown, ms: number) => ok() && this.timers!.change(id, ms),
      digitalWrite: (pin: number, v: number) => {
        if (!ok()) return;
        const p = this.pins[pin];
        p.out = v;
        if (!p.forced || p.mode === "input") p.mode = "output";
        this.setDEFor(pin, v);
      },
      digitalRead: (pin: number) => {
        const p = this.pins[pin];
        if (!p.forced && p.mode !== "input") {
          // Espruino switches an auto-mode pin to input on digitalRead: a DE pin stops driving
          p.mode = "input";
          this.setDEFor(pin, 0);
        }
        if (p.mode === "output") return p.out;
        return this.pinInputs.get(pin) ?? (p.mode === "input_pullup" ? 1 : 0);
      },
      pinMode: (pin: number, mode: string, _auto: boolean) => {
        const modes = ["analog", "input", "input_pullup", "input_pulldown", "output", "opendrain", "opendrain_pullup", "af_output", "af_opendrain", "auto"];
        if (!modes.includes(mode)) throw new Error(`Unknown pin mode ${JSON.stringify(mode)}`);
        const p = this.pins[pin];
        if (mode === "auto") {
          p.forced = false;
          return;
        }
        p.mode = mode;
        p.forced = true;
        if (mode !== "output" && mode !== "opendrain") this.setDEFor(pin, 0);
        else this.setDEFor(pin, p.out);
      },
      getPinMode: (pin: unknown) => this.pins[Number(String(pin).replace(/^D/, ""))]?.mode,
      analogRead: () => 0,
      serialSetup: (idx: number, baud: number, bytesize: number, parity: string, stopbits: number, rx: string, tx: string) => {
        if (!ok()) return;
        if (!(baud > 0)) throw new Error(`Invalid baud rate ${baud}`);
        if (bytesize !== 7 && bytesize !== 8) throw new Error(`Invalid number of bits ${bytesize}`);
        if (stopbits !== 1 && stopbits !== 2) throw new Error(`Invalid number of stop bits ${stopbits}`);
        const def = DEFAULT_UART_PINS[idx];
        this.serial[idx] = { setup: true, baud, bytesize, parity, stopbits, rx: rx ? pinName(rx) : def.rx, tx: tx ? pinName(tx) : def.tx };
      },
      serialUnsetup: (idx: number) => {
        if (ok() && this.serial[idx]) this.serial[idx].setup = false;
      },
      serialIsSetup: (idx: number) => !!this.serial[idx]?.setup,
      serialWrite: (idx: number, data: string) => {
        if (!ok()) return;
        const port = this.opts.uarts?.[SERIALS[idx - 1]];
        if (!this.serial[idx]?.setup) {
          this.stats.serialTxDropped += data.length; // ESP32: uart driver not installed, bytes go nowhere
          return;
        }
        if (!port) {
          if (idx === 1) this.print(data.replace(/\r?\n$/, ""));
          else this.stats.serialTxDropped += data.length;
          return;
        }
        const wired = this.opts.uartPins?.[SERIALS[idx - 1]];
        if (wired && pinName(wired.tx) !== this.serial[idx].tx) {
          this.stats.pinMismatchBytes += data.length; // driving a pin the transceiver is not on
          return;
        }
        const bytes = binToBytes(data);
        port.write(this.mismatch(idx) ? this.garble(bytes) : bytes);
      },
      wdtEnable: (sec: number, auto: boolean) => {
        if (!ok()) return;
        const s = !(sec >= 0) ? 1 : sec;
        this.wdt = { periodMs: Math.max(1, Math.floor(s + 0.5)) * 1000, auto, handle: this.wdt?.handle }; // ESP32: whole seconds
        this.armWatchdog();
      },
      wdtKick: () => ok() && this.armWatchdog(),
      reboot: () => {
        if (ok()) this.reboot("reboot");
      },
      deepSleep: (us: number) => {
        if (!ok()) return;
        this.teardown();
        this.pendingBoot = this.clock.setTimeout(() => {
          this.pendingBoot = undefined;
          this.start("deep-sleep");
        }, us / 1000);
      },
      getTemperature: () => Math.round((this.opts.chipTemperatureC?.() ?? 45) * 1.8 + 32),
      errorFlags: () => {
        const f = JSON.stringify(this.errorFlags);
        this.errorFlags = []; // E.getErrorFlags() clears them
        return f;
      },
      crc32: (data: string) => crc32(binToBytes(data)),
      sizeOf: (v: unknown) => this.memory.sizeOf(v),
      btoa: (s: string) => {
        for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) throw new Error("btoa: character out of range");
        return Buffer.from(s, "latin1").toString("base64");
      },
      atob: (s: string) => Buffer.from(s, "base64").toString("latin1"),
      processEnv: () =>
        JSON.stringify({ VERSION: this.opts.version ?? "2v29", BOARD: "ESP32", RAM: 524288, SERIAL: "240ac4000001", CONSOLE: "Serial1", MODULES: this.opts.w5500 ? "Storage,Wifi,net,ESP32,WIZnet" : "Storage,Wifi,net,ESP32" }),
      memory: (_gc: boolean) => {
        const now = this.clock.now();
        const refresh = this.opts.memoryRefreshMs ?? 60_000;
        if (!this.lastMemory || refresh <= 0 || now - this.lastMemory.t >= refresh || this.lastMemory.gen !== this.gen) {
          this.lastMemory = { t: now, gen: this.gen, usage: this.global && this.timers ? this.memory.estimate(this.global, [], this.timers.count) : 0 };
        }
        const usage = this.lastMemory.usage;
        this.memoryHighWater = Math.max(this.memoryHighWater, usage);
        if (usage > this.memory.total && !this.errorFlags.includes("MEMORY")) {
          // Espruino sets the MEMORY error flag and prints this when it runs out of JsVars
          this.errorFlags.push("MEMORY");
          this.print("ERROR: Out of Memory!");
        }
        return JSON.stringify({ free: this.memory.total - usage, usage, total: this.memory.total, history: 0, gc: 0, gctime: 0, blocksize: this.memory.blocksize });
      },
      esp32State: () => JSON.stringify({ sdkVersion: "v4.4.8", freeHeap: 120000, BLE: false, Wifi: true, minHeap: 100000 }),
      storageWrite: (name: string, data: string, offset: number, size: number, flags = 0) => flash.write(name, binToBytes(data), offset, size, flags),
      storageWriteAt: (name: string, offset: number, data: string) => flash.writeAt(name, offset, binToBytes(data)),
      storageRead: (name: string, offset: number, length: number) => {
        const b = flash.read(name, offset, length);
        return b === undefined ? undefined : bytesToBin(b);
      },
      storageSize: (name: string) => flash.size(name),
      storageErase: (name: string) => flash.erase(name),
      storageEraseAll: () => flash.eraseAll(),
      storageCompact: () => flash.compact(),
      storageFree: () => flash.free(),
      storageStats: () => JSON.stringify(flash.stats()),
      storageList: (sf: -1 | 0 | 1) => JSON.stringify(flash.list(sf)),
      wifi: (op: string, a: string, b: string) => {
        if (!ok()) return "{}";
        const st = this.station!;
        if (op === "connect") st.connect(a, b);
        else if (op === "disconnect") st.disconnect();
        else if (op === "status") return JSON.stringify(st.status());
        else if (op === "ip") return JSON.stringify(st.ipInfo());
        return "{}";
      },
      hasWiznet: () => !!this.opts.w5500,
      spiSetup: (idx: number, json: string) => {
        if (ok()) this.spi[idx] = JSON.parse(json) as { sck: string; miso: string; mosi: string; baud: number };
      },
      wiznet: (op: string, a: string, b: string) => {
        if (!ok() || !this.wiz) return "";
        const w = this.wiz;
        if (op === "connect") return w.connect(this.spi[Number(a)], b);
        if (op === "setIP") return w.setIP(a ? (JSON.parse(a) as Record<string, string>) : undefined);
        if (op === "getIP") return JSON.stringify(w.getIP());
        if (op === "status") return JSON.stringify(w.status());
        return "";
      },
      net: (op: string, id: number, data: string) => {
        if (!ok()) return 0;
        const n = this.net!;
        if (op === "connect") {
          const o = JSON.parse(data) as { host: string; port: number };
          return n.connect(o.host, o.port);
        }
        if (op === "write") n.write(id, data);
        else if (op === "end") n.end(id);
        else if (op === "destroy") n.destroy(id);
        return 0;
      },
    };
  }
}

/** CRC-32 (IEEE 802.3, reflected, as E.CRC32). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c ^= bytes[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
