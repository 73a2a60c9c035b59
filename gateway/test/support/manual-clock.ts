import type { Clock } from "@manure-edge/protocol";

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every: number | null;
}

/**
 * A Clock that moves only when the test says so (hil-sim's VirtualClock does the same for
 * simulations). advance(ms) fires due timers in time order, each at its own time.
 */
export class ManualClock implements Clock {
  private t: number;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn, every: null };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }

  setInterval(fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.t + Math.max(1, ms), fn, every: Math.max(1, ms) };
    this.timers.push(timer);
    return timer.id;
  }

  clearInterval(h: unknown): void {
    this.clearTimeout(h);
  }

  /** Moves time forward by ms, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: Timer | null = null;
      for (const x of this.timers) if (x.at <= end && (!next || x.at < next.at || (x.at === next.at && x.id < next.id))) next = x;
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      if (next.every !== null) next.at += next.every;
      else this.timers = this.timers.filter((x) => x !== next);
      next.fn();
    }
    this.t = end;
  }

  /** Runs the timers due now (a zero-delay flush) without moving time. */
  runDue(): void {
    this.advance(0);
  }

  get pending(): number {
    return this.timers.length;
  }
}
