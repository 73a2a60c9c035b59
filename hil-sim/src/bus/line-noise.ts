import { Rng } from "../rng";
import type { Rs485Bus } from "./rs485-bus";
import type { Transceiver } from "./transceiver";

export interface LineNoiseOptions {
  /** Mean bursts per second (Poisson arrivals). */
  ratePerSecond: number;
  /** Bytes per burst, [min, max]. Default [1, 4]. */
  burst?: [number, number];
  seed?: number | string;
}

/**
 * Garbage bytes on the line at random times (a pump motor starting next to an unshielded
 * cable, a long stub): bursts of random characters driven onto the bus. A burst that meets a
 * frame collides with it (counted by the bus); one on an idle line reaches every receiver as
 * stray bytes, which a master must throw away before its next request and a slave must not
 * take for a request (its CRC will fail, Serial Line V1.02 §2.4.1).
 */
export class LineNoise {
  readonly stats = { bursts: 0, bytes: 0 };
  private readonly rng: Rng;
  private readonly port: Transceiver;
  private timer: unknown = undefined;

  constructor(
    private readonly bus: Rs485Bus,
    private readonly opts: LineNoiseOptions,
  ) {
    if (!(opts.ratePerSecond > 0)) throw new Error(`line noise: ratePerSecond must be > 0, got ${opts.ratePerSecond}`);
    this.rng = new Rng(opts.seed ?? 1, "line-noise");
    this.port = bus.attach(`noise-${Math.floor(this.rng.next() * 1e9)}`);
  }

  start(): void {
    if (this.timer === undefined) this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) this.bus.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One burst now. */
  burst(): void {
    const [lo, hi] = this.opts.burst ?? [1, 4];
    const n = lo + Math.floor(this.rng.next() * (hi - lo + 1));
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = Math.floor(this.rng.next() * 256);
    this.port.setDE(true);
    this.port.write(bytes);
    this.port.whenTxIdle(() => this.port.setDE(false));
    this.stats.bursts++;
    this.stats.bytes += n;
  }

  private schedule(): void {
    const ms = this.rng.exponential(1000 / this.opts.ratePerSecond);
    this.timer = this.bus.clock.setTimeout(() => {
      this.burst();
      this.schedule();
    }, ms);
  }
}
