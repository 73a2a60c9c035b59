import type { Clock } from "@manure-edge/protocol";

interface Entry {
  due: number;
  seq: number;
  fn: () => void;
  every: number;
  live: boolean;
}

/**
 * A Clock with sub-millisecond resolution on top of another Clock. One character at 9600 baud
 * lasts 1.0417 ms and t1.5/t3.5 are 1.7/4.0 ms, but hil-sim's VirtualClock counts whole
 * virtual milliseconds. The bus and the slaves schedule here instead: events keep their exact
 * (fractional) times and run in exact order; the base clock is asked to wake up at the first
 * whole millisecond at or after each, and now() during an event is that event's exact time.
 * Outside events now() is the base clock's time, so code on the base clock (the Espruino
 * runtime) and code here agree to within the base clock's resolution, and never go backwards.
 */
export class FineClock implements Clock {
  private readonly queue: Entry[] = [];
  private seq = 0;
  private current: number | undefined = undefined;
  private armedFor = Infinity;
  private armed: unknown = undefined;

  constructor(readonly base: Clock) {}

  now(): number {
    return this.current ?? this.base.now();
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.add(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): unknown {
    if (!(ms > 0)) throw new RangeError(`FineClock.setInterval: period must be > 0, got ${ms}`);
    return this.add(fn, ms, ms);
  }

  clearTimeout(handle: unknown): void {
    const e = handle as Entry | undefined;
    if (!e || !e.live) return;
    e.live = false;
    const i = this.queue.indexOf(e);
    if (i >= 0) this.queue.splice(i, 1);
  }

  clearInterval(handle: unknown): void {
    this.clearTimeout(handle);
  }

  /** Timers waiting. */
  get pending(): number {
    return this.queue.length;
  }

  private add(fn: () => void, ms: number, every: number): Entry {
    const d = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const e: Entry = { due: this.now() + d, seq: this.seq++, fn, every, live: true };
    this.insert(e);
    this.arm();
    return e;
  }

  private insert(e: Entry): void {
    // Binary search for the first entry that must run after e: (due, seq) order.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.queue[mid];
      if (m.due < e.due || (m.due === e.due && m.seq < e.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, e);
  }

  private arm(): void {
    if (this.current !== undefined) return; // run() re-arms when it finishes
    const head = this.queue[0];
    if (!head) return;
    if (head.due >= this.armedFor && this.armed !== undefined) return;
    if (this.armed !== undefined) this.base.clearTimeout(this.armed);
    this.armedFor = head.due;
    this.armed = this.base.setTimeout(() => this.run(), Math.max(0, Math.ceil(head.due - this.base.now() - 1e-9)));
  }

  private run(): void {
    this.armed = undefined;
    this.armedFor = Infinity;
    const limit = this.base.now();
    try {
      for (;;) {
        const head = this.queue[0];
        if (!head || head.due > limit + 1e-9) break;
        this.queue.shift();
        this.current = Math.max(this.current ?? -Infinity, head.due);
        if (head.every > 0) {
          head.due += head.every;
          head.seq = this.seq++;
          this.insert(head);
        } else head.live = false;
        head.fn();
      }
    } finally {
      this.current = undefined;
      this.arm();
    }
  }
}
