/**
 * A binary min-heap of timers ordered by (due time, insertion sequence): two timers due at the
 * same virtual millisecond fire in the order they were scheduled, so a run is deterministic.
 */
export interface TimerEntry {
  due: number;
  seq: number;
  fn: () => void;
  /** Repeat period for setInterval, 0 for one-shot timers. */
  every: number;
  /** Index in the heap, -1 once removed (fired or cleared). */
  index: number;
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

export class TimerQueue {
  private heap: TimerEntry[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): TimerEntry | undefined {
    return this.heap[0];
  }

  push(entry: TimerEntry): void {
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.up(entry.index);
  }

  pop(): TimerEntry | undefined {
    const top = this.heap[0];
    if (top) this.remove(top);
    return top;
  }

  remove(entry: TimerEntry): boolean {
    const i = entry.index;
    if (i < 0 || this.heap[i] !== entry) return false;
    const last = this.heap.pop()!;
    entry.index = -1;
    if (last !== entry) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    return true;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const h = this.heap;
    [h[a], h[b]] = [h[b], h[a]];
    h[a].index = a;
    h[b].index = b;
  }
}
