/**
 * Sends the queue to the broker, oldest first, and deletes only what the gateway's cumulative
 * ack covers (protocol/src/wire/types.ts AckMessage).
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
  private online = false;
  private cursor: Key | null = null;
  private out = 0;
  private mqttInflight: string[] = [];
  private lastProgress = 0;

  constructor(
    private readonly store: MessageStore,
    private readonly publish: Publish,
    private readonly clock: Clock,
    private readonly o: UplinkOptions,
  ) {}

  setOnline(up: boolean): void {
    this.online = up;
    if (up) {
      this.rewind();
      this.pump();
    }
  }

  /** The gateway's cumulative ack (b, s): delete what it covers, send more. */
  ack(b: number, s: number): void {
    this.acks++;
    const removed = this.store.ack(b, s);
    // Everything removed was sent (it is at or before the cursor) unless the ack passed it.
    if (this.cursor !== null && (b > this.cursor[0] || (b === this.cursor[0] && s >= this.cursor[1]))) this.out = 0;
    else this.out = Math.max(0, this.out - removed);
    this.lastProgress = this.clock.now();
    this.pump();
  }

  /** Called periodically: resend from the oldest when the gateway has gone quiet. */
  tick(): void {
    if (this.online && this.out > 0 && this.clock.now() - this.lastProgress > this.o.ackTimeout) {
      this.rewind();
      this.pump();
    }
  }

  /** Start again from the oldest unacknowledged message (after a reconnect, or on command). */
  rewind(): void {
    this.cursor = null;
    this.out = 0;
    this.rewinds++;
    this.lastProgress = this.clock.now();
  }

  pump(): void {
    if (!this.online) return;
    while (this.out < this.o.window && this.mqttInflight.length < this.o.inflight) {
      const next = this.store.peek(this.cursor, 1);
      if (next.length === 0) return;
      const e = next[0];
      const tag = e.b + ":" + e.s;
      this.cursor = [e.b, e.s];
      this.out++;
      if (this.mqttInflight.indexOf(tag) >= 0) continue; // the MQTT layer re-sends it (§4.4)
      this.mqttInflight.push(tag);
      const ok = this.publish(e.d, () => {
        const i = this.mqttInflight.indexOf(tag);
        if (i >= 0) this.mqttInflight.splice(i, 1);
        this.pump();
      });
      if (!ok) {
        this.mqttInflight.pop();
        this.cursor = null;
        this.out = 0;
        return;
      }
      this.sent++;
      if (this.out === 1) this.lastProgress = this.clock.now();
    }
  }

  outstanding(): number {
    return this.out;
  }
}
