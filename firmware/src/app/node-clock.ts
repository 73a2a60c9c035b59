/**
 * The node's idea of time. Epoch time only once the gateway has told it (the ack's `t`);
 * before that readings carry uptime ms and Q.CLOCK_UNSYNC, and each uplink message carries
 * its send time and uptime (`t`, `cs`, `up`) so the gateway can place them.
 * The board's own clock is never trusted for the epoch (an ESP32 starts at 1970).
 *
 * Each ack is a time sample with an error bound, as in NTP (RFC 5905 §8, on-wire protocol):
 * the gateway made the ack after the message was first sent and before the node received
 * it, so at receipt the true time lies in [t, t + rtt], rtt being the time since the first
 * send (Uplink.firstSentAgo). The estimate is t + rtt/2, off by at most rtt/2. This holds
 * for any ack, however late: the node's MQTT session is persistent (clean session 0), so an
 * ack the gateway published during an outage arrives at the next connect carrying the time of
 * the cut; taking it as "now" stamped readings hours early (found by the week-outage HIL
 * test). Its rtt includes the outage, so it is an imprecise sample, and:
 * a sample is taken when its bound is within GOOD_MS, or tighter than what the clock already
 * has (the old bound grows with crystal drift, DRIFT).
 */
import type { Clock } from "@manure-edge/protocol";

/** A sample with an error bound at most this (ms, rtt ≤ 10 s) is always taken. */
export const GOOD_MS = 5000;
/** How fast the board's clock can drift from the gateway's: 100 ppm, generous for a crystal. */
export const DRIFT = 1e-4;

export class NodeClock {
  synced = false;
  /** Samples not taken: less precise than the current estimate. */
  refused = 0;
  private readonly _t0: number;
  private _offset = 0;
  /** Error bound of the current estimate (ms) as of board time `_at`. */
  private _err = 0;
  private _at = 0;

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

  /** The current estimate's error bound, ms (Infinity before the first sample). */
  error(): number {
    return this.synced ? this._err + (this._clock.now() - this._at) * DRIFT : Infinity;
  }

  /**
   * Offers the gateway's time (ack `t`, epoch ms) of an ack received `rtt` ms after the acked
   * message was first sent. Returns whether the clock took it.
   */
  offer(epochMs: number, rtt: number): boolean {
    if (!(epochMs > 1e12) || !(rtt >= 0)) return false; // not a plausible epoch-ms value
    const err = rtt / 2;
    if (err > GOOD_MS && err >= this.error()) {
      this.refused++;
      return false;
    }
    const now = this._clock.now();
    this._offset = epochMs + err - now;
    this._err = err;
    this._at = now;
    this.synced = true;
    return true;
  }
}
