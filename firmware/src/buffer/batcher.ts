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
  private _cur: Reading[] = [];
  private _since = 0;
  private _online = false;

  constructor(
    private readonly _node: string,
    private readonly _boot: number,
    private readonly _clock: Clock,
    private readonly _nclock: NodeClock,
    private readonly _store: MessageStore,
    private readonly _o: BatchOptions,
    private readonly _onMessage: () => void,
  ) {}

  setOnline(up: boolean): void {
    this._online = up;
    this.tick();
  }

  add(r: Reading): void {
    if (this._cur.length === 0) this._since = this._clock.now();
    this._cur.push(r);
    if (this._cur.length >= (this._online ? this._o.maxReadings : this._o.offlineMaxReadings)) this.flush();
  }

  tick(): void {
    const age = this._online ? this._o.maxAge : this._o.offlineMaxAge;
    if (this._cur.length > 0 && this._clock.now() - this._since >= age) this.flush();
  }

  pending(): number {
    return this._cur.length;
  }

  flush(): void {
    if (this._cur.length === 0) return;
    const s = ++this.seq;
    const msg = {
      v: WIRE_VERSION, n: this._node, b: this._boot, s: s,
      t: this._nclock.now(), cs: this._nclock.synced ? 1 : 0, up: this._nclock.uptime(), r: this._cur,
    };
    this._cur = [];
    this._store.push({ b: this._boot, s: s, d: JSON.stringify(msg) });
    this._onMessage();
  }
}
