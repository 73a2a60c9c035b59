import type { Clock } from "@manure-edge/protocol";

/** Espruino's TIMER_MIN_INTERVAL (src/jsinteractive.h): shorter timeouts are raised to 0.1 ms. */
export const TIMER_MIN_INTERVAL_MS = 0.1;

interface Timer {
  id: number;
  fn: unknown;
  args: unknown[];
  interval?: number;
  due: number;
  handle: unknown;
}

/**
 * The node's timer table (jsinteractive.c) scheduled on the injected clock. IDs follow
 * Espruino: one more than the newest timer still in the table, 1 when the table is empty (so
 * IDs are reused, as on the device). A timeout leaves the table before its callback runs; an
 * interval is re-armed from its due time, not from when it ran, so it does not drift.
 */
export class TimerTable {
  private timers: Timer[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly run: (fn: unknown, args: unknown[]) => void,
    /** Extra delay of each firing (the interpreter's event-loop latency), ms; 0 by default. */
    private readonly latency: () => number = () => 0,
  ) {}

  get count(): number {
    return this.timers.length;
  }

  add(fn: unknown, ms: number, args: unknown[], isInterval: boolean): number {
    if (!(ms >= TIMER_MIN_INTERVAL_MS)) ms = TIMER_MIN_INTERVAL_MS; // NaN too
    if (ms > 31536000001000) throw new Error("Interval is too long (>100 years)");
    const last = this.timers[this.timers.length - 1];
    const id = last ? last.id + 1 : 1;
    const t: Timer = { id, fn, args, interval: isInterval ? ms : undefined, due: this.clock.now() + ms, handle: undefined };
    this.timers.push(t);
    this.arm(t);
    return id;
  }

  /** clearTimeout/clearInterval: one id, or every timer when `all`. Unknown ids are ignored. */
  clear(id: unknown, all: boolean): void {
    if (all) {
      for (const t of this.timers) this.clock.clearTimeout(t.handle);
      this.timers = [];
      return;
    }
    const i = this.timers.findIndex((t) => t.id === Number(id));
    if (i < 0) return;
    this.clock.clearTimeout(this.timers[i].handle);
    this.timers.splice(i, 1);
  }

  /** changeInterval: the next run is `ms` from now, then every `ms`. */
  change(id: unknown, ms: number): void {
    if (!(ms >= TIMER_MIN_INTERVAL_MS)) ms = TIMER_MIN_INTERVAL_MS;
    const t = this.timers.find((x) => x.id === Number(id));
    if (!t) return;
    this.clock.clearTimeout(t.handle);
    if (t.interval !== undefined) t.interval = ms;
    t.due = this.clock.now() + ms;
    this.arm(t);
  }

  /** Power loss / reboot: every pending timer is gone. */
  dropAll(): void {
    this.clear(undefined, true);
  }

  private arm(t: Timer): void {
    // The latency only delays this firing; an interval's schedule stays on its due times.
    t.handle = this.clock.setTimeout(() => this.fire(t), Math.max(0, t.due - this.clock.now()) + this.latency());
  }

  private fire(t: Timer): void {
    if (!this.timers.includes(t)) return;
    if (t.interval === undefined) this.timers.splice(this.timers.indexOf(t), 1);
    else {
      t.due += t.interval;
      this.arm(t);
    }
    this.run(t.fn, t.args);
  }
}
