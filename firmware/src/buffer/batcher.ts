/**
 * Readings -> uplink messages (protocol/src/wire/types.ts UplinkMessage). A message is closed
 * when it holds `maxReadings` readings, when its oldest reading is `maxAge` ms old, or at
 * once on flush() (a load/unload step). It gets the next sequence number of this boot and is
 * frozen: a resend is the same text, so the gateway recognises it by (node, boot, seq).
 */
import { WIRE_VERSION, type Clock, type Reading } from "@manure-edge/protocol";
import type { NodeClock } from "../app/node-clock";
import type { MessageStore } from "./store";

export interface BatchOptions {
  maxReadings: number;
  maxAge: number;
  /** While the link is down: bigger, older batches, so flash holds fewer message envelopes. */
  offlineMaxReadings: number;
  offlineMaxAge: number;
}

export const DEFAULT_BATCH: BatchOptions = { maxReadings: 24, maxAge: 15000, offlineMaxReadings: 60, offlineMaxAge: 300000 };

export class Batcher {
  /** Last sequence number used in this boot (messages are numbered from 1). */
  seq = 0;
  private cur: Reading[] = [];
  private since = 0;
  private online = false;

  constructor(
    private readonly node: string,
    private readonly boot: number,
    private readonly clock: Clock,
    private readonly nclock: NodeClock,
    private readonly store: MessageStore,
    private readonly o: BatchOptions,
    private readonly onMessage: () => void,
  ) {}

  setOnline(up: boolean): void {
    this.online = up;
    this.tick();
  }

  add(r: Reading): void {
    if (this.cur.length === 0) this.since = this.clock.now();
    this.cur.push(r);
    if (this.cur.length >= (this.online ? this.o.maxReadings : this.o.offlineMaxReadings)) this.flush();
  }

  tick(): void {
    const age = this.online ? this.o.maxAge : this.o.offlineMaxAge;
    if (this.cur.length > 0 && this.clock.now() - this.since >= age) this.flush();
  }

  pending(): number {
    return this.cur.length;
  }

  flush(): void {
    if (this.cur.length === 0) return;
    const s = ++this.seq;
    const msg = {
      v: WIRE_VERSION, n: this.node, b: this.boot, s: s,
      t: this.nclock.now(), cs: this.nclock.synced ? 1 : 0, up: this.nclock.uptime(), r: this.cur,
    };
    this.cur = [];
    this.store.push({ b: this.boot, s: s, d: JSON.stringify(msg) });
    this.onMessage();
  }
}
