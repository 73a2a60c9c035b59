/** A bounded RAM queue of uplink messages (oldest dropped and counted when full). */
import { after, cmpKey, type Entry, type Key, type MessageStore } from "./store";

export class RamStore implements MessageStore {
  private q: Entry[] = [];
  private bytes = 0;
  private lost = 0;

  constructor(private readonly maxCount: number, private readonly maxBytes: number) {}

  push(e: Entry): void {
    this.q.push(e);
    this.bytes += e.d.length;
    while (this.q.length > this.maxCount || (this.bytes > this.maxBytes && this.q.length > 1)) {
      this.bytes -= this.q.shift()!.d.length;
      this.lost++;
    }
  }

  peek(k: Key | null, n: number): Entry[] {
    const out: Entry[] = [];
    for (let i = 0; i < this.q.length && out.length < n; i++) if (after(this.q[i], k)) out.push(this.q[i]);
    return out;
  }

  ack(b: number, s: number): number {
    let n = 0;
    while (n < this.q.length && cmpKey(this.q[n].b, this.q[n].s, b, s) <= 0) n++;
    for (let i = 0; i < n; i++) this.bytes -= this.q[i].d.length;
    this.q.splice(0, n);
    return n;
  }

  /** Removes and returns every entry (oldest first): for spilling to flash. */
  takeAll(): Entry[] {
    const q = this.q;
    this.q = [];
    this.bytes = 0;
    return q;
  }

  /** Time-independent age test: the oldest entry's key, or null. */
  oldest(): Entry | null {
    return this.q.length ? this.q[0] : null;
  }

  size(): number {
    return this.q.length;
  }

  byteSize(): number {
    return this.bytes;
  }

  dropped(): number {
    return this.lost;
  }
}
