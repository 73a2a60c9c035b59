import type { Clock } from "@manure-edge/protocol";

export interface SilenceFramerOptions {
  clock: Clock;
  /** One character time on the line, ms. */
  charMs: number;
  /** Inter-character silence that makes a frame incomplete (t1.5), ms. */
  t15Ms: number;
  /** Silence that ends a frame (t3.5), ms. */
  t35Ms: number;
  /** A whole frame, or one declared incomplete (`broken`), once t3.5 of silence has passed. */
  onFrame: (frame: Uint8Array, broken: boolean) => void;
}

/**
 * What a Modbus RTU slave's receiver does with bytes (Modbus over Serial Line V1.02
 * §2.5.1.1): a frame is the bytes between two silences of at least 3.5 character times; a
 * silence longer than 1.5 character times inside a frame makes it incomplete, to be
 * discarded. Characters arrive at the instant their stop bit ends, so the silence before a
 * character is (arrival − previous arrival − one character time).
 */
export class SilenceFramer {
  private buf: number[] = [];
  private broken = false;
  private lastAt = -Infinity;
  private timer: unknown = undefined;

  constructor(private readonly o: SilenceFramerOptions) {}

  push(byte: number, suspect = false): void {
    const now = this.o.clock.now();
    const silence = now - this.lastAt - this.o.charMs;
    if (this.buf.length > 0 && silence > this.o.t15Ms + 1e-9) this.broken = true;
    // A UART framing error on any character also spoils the frame.
    if (suspect) this.broken = true;
    this.buf.push(byte);
    this.lastAt = now;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => this.end(), this.o.t35Ms);
  }

  /** Forget a frame in progress (the slave started transmitting, or powered off). */
  reset(): void {
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.buf = [];
    this.broken = false;
  }

  private end(): void {
    this.timer = undefined;
    const frame = Uint8Array.from(this.buf);
    const broken = this.broken;
    this.buf = [];
    this.broken = false;
    this.o.onFrame(frame, broken);
  }
}
