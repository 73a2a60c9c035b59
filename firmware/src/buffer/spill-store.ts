/**
 * The node's uplink queue: a small RAM queue in front of the flash store.
 *
 * While the link is up and the gateway acks promptly, messages live in RAM only and never
 * touch flash. They spill to flash (oldest first, keeping order: everything in flash is older
 * than everything in RAM) when the link goes down, when more than `ramMax` wait, or when the
 * oldest has waited `spillAfter` ms without an ack. A power cut therefore loses at most the
 * messages still in RAM, none of which the gateway has acked.
 */
import type { Clock } from "@manure-edge/protocol";
import type { FlashStore } from "./flash-store";
import { RamStore } from "./ram-store";
import type { Entry, Key, MessageStore } from "./store";

export interface SpillOptions {
  ramMax: number;
  spillAfter: number;
}

export const DEFAULT_SPILL: SpillOptions = { ramMax: 4, spillAfter: 30000 };

export class SpillStore implements MessageStore {
  private readonly _ram: RamStore;
  private _online = false;
  private _ramSince = 0;

  constructor(private readonly _flash: FlashStore, private readonly _clock: Clock, private readonly _o: SpillOptions) {
    // Bounded only as a safety net: spill() keeps it at ramMax + 1.
    this._ram = new RamStore(_o.ramMax + 8, 64 * 1024);
  }

  setOnline(up: boolean): void {
    this._online = up;
    if (!up) this.spill();
  }

  push(e: Entry): void {
    if (this._ram.size() === 0) this._ramSince = this._clock.now();
    this._ram.push(e);
    if (!this._online || this._ram.size() > this._o.ramMax) this.spill();
  }

  /** Called periodically: spills RAM entries that waited too long for their ack. */
  tick(): void {
    if (this._ram.size() > 0 && this._clock.now() - this._ramSince >= this._o.spillAfter) this.spill();
  }

  spill(): void {
    const es = this._ram.takeAll();
    for (let i = 0; i < es.length; i++) this._flash.push(es[i]);
  }

  peek(k: Key | null, n: number): Entry[] {
    const out = this._flash.peek(k, n);
    if (out.length < n) {
      const more = this._ram.peek(k, n - out.length);
      for (let i = 0; i < more.length; i++) out.push(more[i]);
    }
    return out;
  }

  ack(b: number, s: number): number {
    const n = this._flash.ack(b, s) + this._ram.ack(b, s);
    if (this._ram.size() > 0) this._ramSince = this._clock.now();
    return n;
  }

  size(): number {
    return this._flash.size() + this._ram.size();
  }

  ramSize(): number {
    return this._ram.size();
  }

  flashSize(): number {
    return this._flash.size();
  }

  dropped(): number {
    return this._flash.dropped() + this._ram.dropped();
  }
}
