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
  private readonly ram: RamStore;
  private online = false;
  private ramSince = 0;

  constructor(private readonly flash: FlashStore, private readonly clock: Clock, private readonly o: SpillOptions) {
    // Bounded only as a safety net: spill() keeps it at ramMax + 1.
    this.ram = new RamStore(o.ramMax + 8, 64 * 1024);
  }

  setOnline(up: boolean): void {
    this.online = up;
    if (!up) this.spill();
  }

  push(e: Entry): void {
    if (this.ram.size() === 0) this.ramSince = this.clock.now();
    this.ram.push(e);
    if (!this.online || this.ram.size() > this.o.ramMax) this.spill();
  }

  /** Called periodically: spills RAM entries that waited too long for their ack. */
  tick(): void {
    if (this.ram.size() > 0 && this.clock.now() - this.ramSince >= this.o.spillAfter) this.spill();
  }

  spill(): void {
    const es = this.ram.takeAll();
    for (let i = 0; i < es.length; i++) this.flash.push(es[i]);
  }

  peek(k: Key | null, n: number): Entry[] {
    const out = this.flash.peek(k, n);
    if (out.length < n) {
      const more = this.ram.peek(k, n - out.length);
      for (let i = 0; i < more.length; i++) out.push(more[i]);
    }
    return out;
  }

  ack(b: number, s: number): number {
    const n = this.flash.ack(b, s) + this.ram.ack(b, s);
    if (this.ram.size() > 0) this.ramSince = this.clock.now();
    return n;
  }

  size(): number {
    return this.flash.size() + this.ram.size();
  }

  ramSize(): number {
    return this.ram.size();
  }

  flashSize(): number {
    return this.flash.size();
  }

  dropped(): number {
    return this.flash.dropped() + this.ram.dropped();
  }
}
