import type { Clock } from "@manure-edge/protocol";

/**
 * Temporary deterministic clock for these tests until hil-sim's VirtualClock lands:
 * timers ordered by (due time, insertion), fractional ms kept exactly.
 */
export class StepClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: { id: number; due: number; seq: number; fn: () => void; every?: number }[] = [];

  constructor(start = 0) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    return this.add(fn, ms);
  }
  setInterval(fn: () => void, ms: number): unknown {
    return this.add(fn, ms, ms);
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  clearInterval(h: unknown): void {
    this.clearTimeout(h);
  }
  /** Run timers due up to now + ms, then set the time to now + ms. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.peek();
      if (!next || next.due > end) break;
      this.fire(next);
    }
    this.t = end;
  }
  /** Run every timer until none is left (intervals excepted after limit). */
  runAll(limitMs = 3_600_000): void {
    const end = this.t + limitMs;
    for (;;) {
      const next = this.peek();
      if (!next || next.due > end) break;
      this.fire(next);
    }
  }
  private peek() {
    let best: (typeof this.timers)[number] | undefined;
    for (const x of this.timers) if (!best || x.due < best.due || (x.due === best.due && x.seq < best.seq)) best = x;
    return best;
  }
  private fire(x: (typeof this.timers)[number]): void {
    this.t = Math.max(this.t, x.due);
    if (x.every !== undefined) {
      x.due += x.every;
      x.seq = ++this.seq;
    } else this.timers = this.timers.filter((y) => y !== x);
    x.fn();
  }
  private add(fn: () => void, ms: number, every?: number): number {
    const id = ++this.seq;
    this.timers.push({ id, due: this.t + Math.max(0, ms), seq: id, fn, every });
    return id;
  }
}
