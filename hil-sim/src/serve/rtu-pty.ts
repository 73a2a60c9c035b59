import { SerialPort } from "serialport";
import { MAX_RTU_FRAME, requestFrameLength, type Clock } from "@manure-edge/protocol";
import type { SlaveDevice } from "../slaves/register-space";
import { respond } from "../slaves/respond";

export interface RtuPtyOptions {
  /** The simulator's end of the pty pair. */
  path: string;
  baud?: number;
  /** Real time after which a partial frame is thrown away, ms. Default 50. */
  staleMs?: number;
  /** Delay before each reply, ms (a slave's turnaround). Default 5. */
  turnaroundMs?: number;
  /** Clock for the two delays above (the system clock in `farm-sim serve`). */
  clock: Clock;
}

export interface RtuPtyStats {
  requests: number;
  replies: number;
  exceptions: number;
  badFrames: number;
  notForUs: number;
  /** Bytes dropped: stale partial frames, unsupported function codes, oversize lengths. */
  droppedBytes: number;
}

/**
 * Serves simulated slaves as Modbus RTU on a serial device (one end of a socat pty pair) so
 * that real masters — mbpoll, the gateway's modbus-serial client — can poll them.
 *
 * Why not modbus-serial's ServerSerial: it overwrites each request's CRC with a computed one
 * before parsing (servers/serverserial.js, 8.0.25), so a corrupted request would be answered;
 * a simulated slave must ignore it (Serial Line V1.02 §2.4.1). A pty carries no character
 * timing, so t3.5 cannot be measured here: requests are framed by their length
 * (protocol's requestFrameLength); a partial frame left for staleMs is dropped, except one
 * with a function code of unknown length, which the silence ends (then answered 01 if its
 * CRC is good).
 */
export class RtuPtyServer {
  readonly stats: RtuPtyStats = { requests: 0, replies: 0, exceptions: 0, badFrames: 0, notForUs: 0, droppedBytes: 0 };
  private port: SerialPort | undefined;
  private buf: number[] = [];
  private staleTimer: unknown = undefined;
  private readonly timers = new Set<unknown>();

  constructor(
    private readonly devices: (unit: number) => SlaveDevice[],
    private readonly opts: RtuPtyOptions,
  ) {}

  async start(): Promise<void> {
    if (this.port) throw new Error("rtu pty: already started");
    const port = new SerialPort({ path: this.opts.path, baudRate: this.opts.baud ?? 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`rtu pty: cannot open ${this.opts.path}: ${err.message}`)) : resolve())));
    port.on("data", (d: Buffer) => this.onData(d));
    port.on("error", () => undefined);
    this.port = port;
  }

  async stop(): Promise<void> {
    const port = this.port;
    if (!port) return;
    this.port = undefined;
    for (const t of this.timers) this.opts.clock.clearTimeout(t);
    this.timers.clear();
    if (this.staleTimer !== undefined) this.opts.clock.clearTimeout(this.staleTimer);
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private onData(d: Buffer): void {
    for (const b of d) this.buf.push(b);
    this.drain();
    if (this.staleTimer !== undefined) this.opts.clock.clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    if (this.buf.length > 0) {
      this.staleTimer = this.opts.clock.setTimeout(() => {
        this.staleTimer = undefined;
        const rest = Uint8Array.from(this.buf);
        this.buf = [];
        // A function code whose length is unknown (FC 17, 43...): the silence ends the frame,
        // as t3.5 would on a wire; with a good CRC it gets ILLEGAL FUNCTION (§7, code 01).
        if (rest.length >= 4 && requestFrameLength(rest) === 0) this.onFrame(rest);
        else this.stats.droppedBytes += rest.length;
      }, this.opts.staleMs ?? 50);
    }
  }

  private drain(): void {
    for (;;) {
      const view = Uint8Array.from(this.buf);
      const n = requestFrameLength(view);
      if (n < 0) return; // need more bytes
      if (n === 0) return; // unknown function: wait for the silence (stale timer)
      if (n > MAX_RTU_FRAME) {
        this.buf.shift();
        this.stats.droppedBytes++;
        continue;
      }
      if (view.length < n) return;
      const frame = view.subarray(0, n);
      this.buf.splice(0, n);
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Uint8Array): void {
    const a = respond(this.devices, frame);
    if (a.outcome === "badFrame") {
      this.stats.badFrames++;
      return;
    }
    if (a.outcome === "notForMe" || a.outcome === "unpowered") {
      this.stats.notForUs++;
      return;
    }
    this.stats.requests++;
    if (!a.reply) return;
    if (a.outcome === "exception") this.stats.exceptions++;
    else this.stats.replies++;
    const reply = Buffer.from(a.reply);
    const t = this.opts.clock.setTimeout(() => {
      this.timers.delete(t);
      this.port?.write(reply);
    }, this.opts.turnaroundMs ?? 5);
    this.timers.add(t);
  }
}
