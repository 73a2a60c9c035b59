import type { Clock } from "@manure-edge/protocol";
import { IoGuard } from "./io-guard";
import { systemClock } from "./system";
import { TimerQueue, type TimerEntry } from "./timer-queue";

/**
 * How virtual time relates to the wall clock while runUntil() runs:
 * - asFastAsPossible: jump from timer to timer (tests, CI, benchmarks);
 * - accelerated: N virtual ms per wall ms (demo of a month in minutes);
 * - realtime: accelerated ×1 (`farm-sim serve`, a live demo).
 */
export type ClockMode =
  | { kind: "asFastAsPossible" }
  | { kind: "accelerated"; factor: number }
  | { kind: "realtime" };

export interface VirtualClockOptions {
  /** Initial virtual time, epoch ms. Default 2026-01-01T00:00:00Z. */
  start?: number;
  mode?: ClockMode;
  /** Wall clock used for pacing and for the bounded wait on real I/O. Default systemClock. */
  wall?: Clock;
  /**
   * Longest wall time the clock waits for messages in flight before it gives them up as lost
   * and goes on (counted in stats.ioWaitTimeouts). Default 10 000 ms.
   */
  ioWaitLimitMs?: number;
  /**
   * Yield to Node's event loop (setImmediate) after this many fired timers, so that sockets,
   * process.nextTick work and signals get their turn. 1 is the safe default when real I/O is in
   * the loop; a physics-only run can use a few thousand.
   */
  yieldEvery?: number;
  /** Called when a timer callback throws. Default: rethrow (runUntil rejects). */
  onError?: (error: unknown) => void;
}

export interface ClockStats {
  /** Timer callbacks run. */
  fired: number;
  /** Times the clock held still because messages were in flight. */
  ioWaits: number;
  /** Bounded waits that ran out (messages presumed lost): should be 0 in a healthy run. */
  ioWaitTimeouts: number;
  /** Wall ms spent waiting for real I/O. */
  ioWaitWallMs: number;
  /** Timer callbacks that threw. */
  errors: number;
}

/** Opaque timer handle returned by setTimeout/setInterval. */
export interface VirtualTimer {
  readonly due: number;
}

export const DEFAULT_START = Date.UTC(2026, 0, 1);

/**
 * The one deterministic scheduler of a simulation: physics, the RS485 bus, the Espruino
 * runtime and (through the Clock interface) the gateway all schedule on it. Timers due at the
 * same virtual millisecond fire in insertion order; time only moves when a timer fires or a run
 * ends, so the same inputs give the same sequence of callbacks.
 */
export class VirtualClock implements Clock {
  readonly io = new IoGuard();
  readonly stats: ClockStats = { fired: 0, ioWaits: 0, ioWaitTimeouts: 0, ioWaitWallMs: 0, errors: 0 };

  private t: number;
  private seq = 0;
  private readonly queue = new TimerQueue();
  private readonly wall: Clock;
  private readonly ioWaitLimitMs: number;
  private readonly yieldEvery: number;
  private readonly onError: (error: unknown) => void;
  private modeValue: ClockMode;
  private running = false;
  private stopRequested = false;
  // Pacing state: while a paced run sleeps towards stepTo, now() follows the wall clock.
  private pacing = false;
  private pacingLimit = 0;
  private wallAnchor = 0;
  private virtAnchor = 0;
  private wake: (() => void) | null = null;

  constructor(options: VirtualClockOptions = {}) {
    this.t = options.start ?? DEFAULT_START;
    this.modeValue = checkMode(options.mode ?? { kind: "asFastAsPossible" });
    this.wall = options.wall ?? systemClock;
    this.ioWaitLimitMs = options.ioWaitLimitMs ?? 10_000;
    this.yieldEvery = Math.max(1, Math.floor(options.yieldEvery ?? 1));
    this.onError =
      options.onError ??
      ((e) => {
        throw e;
      });
  }

  get mode(): ClockMode {
    return this.modeValue;
  }

  /** Changes the pace, also in the middle of a run (the CLI's speed keys, a demo). */
  setMode(mode: ClockMode): void {
    this.modeValue = checkMode(mode);
    this.reanchor();
    this.wakeUp();
  }

  now(): number {
    if (this.pacing) {
      const v = Math.min(this.pacingLimit, this.virtAnchor + (this.wall.now() - this.wallAnchor) * this.factor());
      if (v > this.t) this.t = Math.floor(v);
    }
    return this.t;
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.queue.size;
  }

  /** Due time of the next timer, or undefined. */
  nextDue(): number | undefined {
    return this.queue.peek()?.due;
  }

  setTimeout(fn: () => void, ms: number): VirtualTimer {
    return this.schedule(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): VirtualTimer {
    // A zero period would fire forever at one instant; 1 ms is the smallest period, as in Node.
    return this.schedule(fn, ms, Math.max(1, delay(ms)));
  }

  clearTimeout(handle: unknown): void {
    if (handle && typeof handle === "object" && "index" in handle) this.queue.remove(handle as TimerEntry);
  }

  clearInterval(handle: unknown): void {
    this.clearTimeout(handle);
  }

  /**
   * Runs every timer due within the next `ms` synchronously and leaves now() at now + ms.
   * Ignores pacing and real I/O: for unit tests and code with no sockets in the loop.
   */
  advance(ms: number): void {
    this.runSync(this.t + delay(ms));
  }

  /** Like advance(), to an absolute time. */
  advanceTo(t: number): void {
    this.runSync(Math.max(this.t, t));
  }

  /** Runs timers until `target` (epoch ms; Infinity = until stop()) at the current mode's pace. */
  async runUntil(target: number): Promise<void> {
    if (this.running) throw new Error("VirtualClock.runUntil: already running");
    this.running = true;
    this.stopRequested = false;
    this.reanchor();
    let sinceYield = 0;
    try {
      while (!this.stopRequested) {
        const next = this.queue.peek();
        const stepTo = Math.min(next ? next.due : Infinity, target);
        if (stepTo === Infinity) {
          if (this.modeValue.kind === "asFastAsPossible") break; // nothing can ever happen
          await this.waitForWake(); // a socket callback may schedule a timer
          continue;
        }
        if (this.io.count > 0) {
          await this.waitForIo();
          this.reanchor();
          continue; // I/O callbacks may have scheduled earlier timers
        }
        if (this.modeValue.kind !== "asFastAsPossible") {
          const wallDue = this.wallAnchor + (stepTo - this.virtAnchor) / this.factor();
          const wait = wallDue - this.wall.now();
          if (wait > 0) {
            await this.sleepPaced(wait, stepTo);
            sinceYield = 0;
            continue;
          }
        }
        if (!next || next.due > target) {
          this.t = Math.max(this.t, target);
          break;
        }
        if (sinceYield >= this.yieldEvery) {
          sinceYield = 0;
          await new Promise<void>((r) => setImmediate(r));
          continue; // sockets may have started I/O or scheduled timers meanwhile
        }
        this.fire(this.queue.pop()!);
        sinceYield++;
      }
    } finally {
      this.running = false;
      this.pacing = false;
    }
  }

  /** runUntil(now + ms). */
  runFor(ms: number): Promise<void> {
    return this.runUntil(this.t + delay(ms));
  }

  /** Ends a runUntil() in progress at the current virtual time. */
  stop(): void {
    this.stopRequested = true;
    this.wakeUp();
  }

  get isRunning(): boolean {
    return this.running;
  }

  private schedule(fn: () => void, ms: number, every: number): VirtualTimer {
    if (typeof fn !== "function") throw new TypeError("VirtualClock: callback is not a function");
    const entry: TimerEntry = { due: this.now() + delay(ms), seq: this.seq++, fn, every, index: -1 };
    this.queue.push(entry);
    // A run sleeping towards a later time, or idle waiting for any timer, must look again.
    if (this.wake && (!this.pacing || entry.due < this.pacingLimit)) this.wakeUp();
    return entry;
  }

  private fire(entry: TimerEntry): void {
    this.t = Math.max(this.t, entry.due);
    if (entry.every > 0) {
      entry.due += entry.every;
      entry.seq = this.seq++;
      this.queue.push(entry);
    }
    this.stats.fired++;
    try {
      entry.fn();
    } catch (e) {
      this.stats.errors++;
      this.onError(e);
    }
  }

  private runSync(target: number): void {
    if (this.running) throw new Error("VirtualClock.advance: a runUntil() is in progress");
    for (;;) {
      const next = this.queue.peek();
      if (!next || next.due > target) break;
      this.fire(this.queue.pop()!);
    }
    this.t = Math.max(this.t, target);
  }

  private factor(): number {
    const m = this.modeValue;
    return m.kind === "accelerated" ? m.factor : 1;
  }

  private reanchor(): void {
    this.wallAnchor = this.wall.now();
    this.virtAnchor = this.t;
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  /** Sleeps on the wall clock until the pace reaches stepTo, or until woken by a new timer. */
  private sleepPaced(wallMs: number, stepTo: number): Promise<void> {
    this.pacing = true;
    this.pacingLimit = stepTo;
    return new Promise<void>((resolve) => {
      const h = this.wall.setTimeout(() => done(), Math.min(wallMs, 2_147_483_647));
      const done = () => {
        this.wall.clearTimeout(h);
        this.pacing = false;
        if (this.wake === done) this.wake = null;
        resolve();
      };
      this.wake = done;
    });
  }

  private waitForWake(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** Waits for real I/O to finish, at most ioWaitLimitMs of wall time. */
  private async waitForIo(): Promise<void> {
    this.stats.ioWaits++;
    const startedAt = this.wall.now();
    let timer: unknown;
    const timedOut = await Promise.race([
      this.io.idle().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = this.wall.setTimeout(() => resolve(true), this.ioWaitLimitMs);
      }),
    ]);
    this.wall.clearTimeout(timer);
    this.stats.ioWaitWallMs += this.wall.now() - startedAt;
    if (timedOut) {
      this.stats.ioWaitTimeouts++;
      this.io.abandon();
    }
  }
}

function delay(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms) : 0;
}

function checkMode(mode: ClockMode): ClockMode {
  if (mode.kind === "accelerated" && !(Number.isFinite(mode.factor) && mode.factor > 0))
    throw new RangeError(`VirtualClock: accelerated factor must be a positive number, got ${mode.factor}`);
  return mode;
}
