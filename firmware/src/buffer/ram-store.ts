/** A bounded RAM queue of uplink messages (oldest dropped and counted when full). */
import { after, cmpKey, type Entry, type Key, type MessageStore } from "./store";

export class RamStore implements MessageStore {
  private _q: Entry[] = [];
  private _bytes = 0;
  private _lost = 0;

  constructor(private readonly _maxCount: number, private readonly _maxBytes: number) {}

  push(e: Entry): void {
    this._q.push(e);
    this._bytes += e.d.length;
    while (this._q.length > this._maxCount || (this._bytes > this._maxBytes && this._q.length > 1)) {
      this._bytes -= this._q.shift()!.d.length;
      this._lost++;
    }
  }

  peek(k: Key | null, n: number): Entry[] {
    const out: Entry[] = [];
    for (let i = 0; i < this._q.length && out.length < n; i++) if (after(this._q[i], k)) out.push(this._q[i]);
    return out;
  }

  ack(b: number, s: number): number {
    let n = 0;
    while (n < this._q.length && cmpKey(this._q[n].b, this._q[n].s, b, s) <= 0) n++;
    for (let i = 0; i < n; i++) this._bytes -= this._q[i].d.length;
    this._q.splice(0, n);
    return n;
  }

  /** Removes and returns every entry (oldest first): for spilling to flash. */
  takeAll(): Entry[] {
    const q = this._q;
    this._q = [];
    this._bytes = 0;
    return q;
  }

  /** Time-independent age test: the oldest entry's key, or null. */
  oldest(): Entry | null {
    return this._q.length ? this._q[0] : null;
  }

  size(): number {
    return this._q.length;
  }

  byteSize(): number {
    return this._bytes;
  }

  dropped(): number {
    return this._lost;
  }
}
