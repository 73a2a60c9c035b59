/**
 * The node's idea of time. Epoch time only once the gateway has told it (the ack's `t`);
 * before that readings carry uptime ms and Q.CLOCK_UNSYNC, and each uplink message carries
 * its send time and uptime (`t`, `cs`, `up`) so the gateway can place them.
 * The board's own clock is never trusted for the epoch (an ESP32 starts at 1970).
 */
import type { Clock } from "@manure-edge/protocol";

export class NodeClock {
  synced = false;
  private readonly _t0: number;
  private _offset = 0;

  constructor(private readonly _clock: Clock) {
    this._t0 = _clock.now();
  }

  uptime(): number {
    return this._clock.now() - this._t0;
  }

  /** Epoch ms when synced, else uptime ms. */
  now(): number {
    return this.synced ? this._clock.now() + this._offset : this.uptime();
  }

  /** Sets the epoch from the gateway's time (ack `t`). Transit delay (ms) is ignored. */
  set(epochMs: number): void {
    if (!(epochMs > 1e12)) return; // not a plausible epoch-ms value
    this._offset = epochMs - this._clock.now();
    this.synced = true;
  }
}
