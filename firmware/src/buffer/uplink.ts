/**
 * Sends the queue to the broker, oldest first, and deletes only what the gateway's cumulative
 * ack covers (protocol/src/wire/types.ts AckMessage). Each message goes out with its
 * predecessor in the queue at that moment (UplinkMessage.p), which lets the gateway ack only
 * what reached it without a hole.
 *
 * Flow control, because brokers drop QoS 1 messages to a slow subscriber once its queue is
 * full (../shared/anchors.md: mosquitto's max_queued_messages): at most `window` messages
 * beyond the last gateway ack are out at a time, and at most `inflight` of them await their
 * PUBACK. After every reconnect, and when no ack came for `ackTimeout` ms, sending starts
 * again from the oldest unacknowledged message (the gateway drops duplicates by
 * (node, boot, seq)); messages the MQTT layer is still re-sending itself (§4.4) are skipped.
 */
import type { Clock } from "@manure-edge/protocol";
import type { Key, MessageStore } from "./store";

export type Publish = (payload: string, done: (delivered: boolean) => void) => boolean;

export interface UplinkOptions {
  window: number;
  inflight: number;
  ackTimeout: number;
}

export const DEFAULT_UPLINK: UplinkOptions = { window: 16, inflight: 4, ackTimeout: 60000 };

export class Uplink {
  sent = 0;
  rewinds = 0;
  acks = 0;
  private _online = false;
  private _cursor: Key | null = null;
  private _out = 0;
  private _mqttInflight: string[] = [];
  private _lastProgress = 0;
  /** Tags ("b:s") and local times of the latest messages sent for the first time (firstSentAgo). */
  private _sentTags: string[] = [];
  private _sentTimes: number[] = [];
  /** The highest (boot, seq) ever sent by this Uplink. */
  private _hiB = -1;
  private _hiS = -1;

  constructor(
    private readonly _store: MessageStore,
    private readonly _publish: Publish,
    private readonly _clock: Clock,
    private readonly _o: UplinkOptions,
    /** This boot and its uptime: a message of this boot goes out with its uptime at send (su). */
    private readonly _boot = -1,
    private readonly _uptime: (() => number) | null = null,
  ) {}

  setOnline(up: boolean): void {
    this._online = up;
    if (up) {
      this.rewind();
      this.pump();
    }
  }

  /**
   * How long ago (local ms) message (b, s) was sent for the first time, or -1 if that is not
   * known (not among the latest 2 × window first sends). Any ack of the message was made by
   * the gateway after that send, so its time was true at some moment of this interval, however
   * late the ack arrives (an ack queued by the broker during an outage included): the clock's
   * error bound (app/node-clock.ts). Only for messages of the current boot: after a reboot,
   * older boots' messages may have been sent by the boot before.
   */
  firstSentAgo(b: number, s: number): number {
    const i = this._sentTags.indexOf(b + ":" + s);
    return i < 0 ? -1 : this._clock.now() - this._sentTimes[i];
  }

  /** The gateway's cumulative ack (b, s): delete what it covers, send more. */
  ack(b: number, s: number): void {
    this.acks++;
    const removed = this._store.ack(b, s);
    // Everything removed was sent (it is at or before the cursor) unless the ack passed it.
    if (this._cursor !== null && (b > this._cursor[0] || (b === this._cursor[0] && s >= this._cursor[1]))) this._out = 0;
    else this._out = Math.max(0, this._out - removed);
    this._lastProgress = this._clock.now();
    this.pump();
  }

  /** Called periodically: resend from the oldest when the gateway has gone quiet. */
  tick(): void {
    if (this._online && this._out > 0 && this._clock.now() - this._lastProgress > this._o.ackTimeout) {
      this.rewind();
      this.pump();
    }
  }

  /** Start again from the oldest unacknowledged message (after a reconnect, or on command). */
  rewind(): void {
    this._cursor = null;
    this._out = 0;
    this.rewinds++;
    this._lastProgress = this._clock.now();
  }

  pump(): void {
    if (!this._online) return;
    while (this._out < this._o.window && this._mqttInflight.length < this._o.inflight) {
      const next = this._store.peek(this._cursor, 1);
      if (next.length === 0) return;
      const e = next[0];
      const tag = e.b + ":" + e.s;
      // Its predecessor in this queue (UplinkMessage.p): the gateway acks only along this chain,
      // so a message the broker dropped on the way is never acked away. 0: the oldest held.
      const pred = this._cursor === null ? "0" : "[" + this._cursor[0] + "," + this._cursor[1] + "]";
      this._cursor = [e.b, e.s];
      this._out++;
      if (this._mqttInflight.indexOf(tag) >= 0) continue; // the MQTT layer re-sends it (§4.4)
      this._mqttInflight.push(tag);
      // The uptime at this send (UplinkMessage.su), so the gateway places unsynchronised readings
      // of a message made during an outage at their real time, not shifted by the delay.
      const su = e.b === this._boot && this._uptime ? '"su":' + this._uptime() + "," : "";
      const ok = this._publish('{"p":' + pred + "," + su + e.d.slice(1), this._onPuback(tag));
      if (!ok) {
        this._mqttInflight.pop();
        this._cursor = null;
        this._out = 0;
        return;
      }
      this.sent++;
      if (e.b > this._hiB || (e.b === this._hiB && e.s > this._hiS)) this._firstSend(e.b, e.s, tag);
      if (this._out === 1) this._lastProgress = this._clock.now();
    }
  }

  /**
   * The PUBACK callback of message `tag` (made here, not in pump's loop: a closure over the
   * loop's variables costs tsc's ES5 output a function per iteration).
   */
  private _onPuback(tag: string): () => void {
    return () => {
      const i = this._mqttInflight.indexOf(tag);
      if (i >= 0) this._mqttInflight.splice(i, 1);
      this.pump();
    };
  }

  private _firstSend(b: number, s: number, tag: string): void {
    this._hiB = b;
    this._hiS = s;
    this._sentTags.push(tag);
    this._sentTimes.push(this._clock.now());
    if (this._sentTags.length > 2 * this._o.window) {
      this._sentTags.shift();
      this._sentTimes.shift();
    }
  }

  outstanding(): number {
    return this._out;
  }
}
