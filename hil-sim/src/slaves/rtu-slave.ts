import { encodeException, t15Us, t35Us } from "@manure-edge/protocol";
import type { Rs485Bus } from "../bus/rs485-bus";
import type { Transceiver } from "../bus/transceiver";
import { Rng } from "../rng";
import { FaultInjector, type FaultDecision } from "./faults";
import type { SlaveDevice } from "./register-space";
import { respond } from "./respond";
import { SilenceFramer } from "./silence-framer";

export interface RtuSlaveOptions {
  /**
   * Delay from the end of the request's last character to the start of the reply, ms: a
   * fixed value or [min, max] drawn per reply. Never less than t3.5 (the slave cannot know
   * the request has ended before that silence, Serial Line V1.02 §2.5.1.1). Default 10.
   */
  turnaroundMs?: number | [number, number];
  /** Faults injected into this slave's replies. */
  faults?: FaultInjector;
  /** Seed for turnaround draws. Default: the unit address. */
  seed?: number | string;
  /** Transceiver name on the bus. Default `slave-<unit>`. */
  name?: string;
}

export interface RtuSlaveStats {
  /** Well-formed requests addressed to this unit (broadcasts included). */
  requests: number;
  /** Normal responses sent. */
  replies: number;
  /** Exception responses sent (genuine and injected). */
  exceptions: number;
  /** Broadcast writes executed (no reply, Serial Line §2.2). */
  broadcasts: number;
  /** Frames with a bad CRC or impossible length: discarded silently (§2.4.1). */
  badFrames: number;
  /** Frames declared incomplete: a silence over t1.5 inside, or a framing error (§2.5.1.1). */
  brokenFrames: number;
  /** Frames for another unit. */
  notForMe: number;
  /** Requests ignored because a reply was still pending (a late reply in progress). */
  busyDropped: number;
  /** Requests ignored because the device had no power. */
  unpowered: number;
}

/**
 * A Modbus RTU slave's serial side on a byte-level Rs485Bus: it frames requests by silence
 * (t1.5/t3.5), checks the CRC with protocol's decodeRequest, answers only its own unit
 * address after a turnaround, drives DE for exactly the reply, and lets a FaultInjector spoil
 * replies. The data comes from a SlaveDevice (a SimSlave built from a register map).
 */
export class RtuSlave {
  readonly stats: RtuSlaveStats = { requests: 0, replies: 0, exceptions: 0, broadcasts: 0, badFrames: 0, brokenFrames: 0, notForMe: 0, busyDropped: 0, unpowered: 0 };
  readonly faults: FaultInjector;
  private port: Transceiver | undefined;
  private twin: Transceiver | undefined;
  private framer: SilenceFramer | undefined;
  private readonly rng: Rng;
  private pending: unknown[] = [];
  private replying = false;

  constructor(
    private readonly bus: Rs485Bus,
    readonly device: SlaveDevice,
    private readonly opts: RtuSlaveOptions = {},
  ) {
    this.faults = opts.faults ?? new FaultInjector({ seed: `faults-${device.unit}` });
    this.rng = new Rng(opts.seed ?? device.unit, "turnaround");
    const t = opts.turnaroundMs ?? 10;
    const [lo, hi] = typeof t === "number" ? [t, t] : t;
    if (!(lo >= 0 && hi >= lo)) throw new Error(`rtu slave ${device.unit}: turnaroundMs must be >= 0 (or [min, max] with min <= max)`);
  }

  get name(): string {
    return this.opts.name ?? `slave-${this.device.unit}`;
  }

  start(): void {
    if (this.port) return;
    const baud = this.bus.config.baud;
    this.framer = new SilenceFramer({
      clock: this.bus.clock,
      charMs: this.bus.charMs,
      t15Ms: t15Us(baud) / 1000,
      t35Ms: t35Us(baud) / 1000,
      onFrame: (f, broken) => this.onFrame(f, broken),
    });
    const framer = this.framer;
    this.port = this.bus.attach(this.name, { onByte: (b, suspect) => framer.push(b, suspect) });
  }

  stop(): void {
    for (const h of this.pending) this.bus.clock.clearTimeout(h);
    this.pending = [];
    this.replying = false;
    this.framer?.reset();
    this.port?.detach();
    this.twin?.detach();
    this.port = this.twin = this.framer = undefined;
  }

  private onFrame(frame: Uint8Array, broken: boolean): void {
    if (broken) {
      this.stats.brokenFrames++;
      return;
    }
    // Check the address before being busy: a busy slave still ignores other units' traffic.
    const self = [this.device];
    const a = respond((unit) => (unit === this.device.unit || unit === 0) && !this.replying ? self : [], frame);
    if (a.outcome === "notForMe" && (frame[0] === this.device.unit || frame[0] === 0) && this.replying) {
      this.stats.busyDropped++;
      return;
    }
    switch (a.outcome) {
      case "badFrame":
        this.stats.badFrames++;
        return;
      case "notForMe":
        this.stats.notForMe++;
        return;
      case "unpowered":
        this.stats.unpowered++;
        return;
      case "broadcast":
        this.stats.requests++;
        this.stats.broadcasts++;
        return;
      default:
        this.stats.requests++;
        this.send(a.reply!, a.outcome === "exception", a.fc!);
    }
  }

  private send(reply: Uint8Array, isException: boolean, fc: number): void {
    const fault: FaultDecision | undefined = this.faults.decide();
    let delay = this.turnaround();
    let bytes = reply;
    switch (fault?.kind) {
      case "noReply":
        return;
      case "exception":
        bytes = encodeException(this.device.unit, fc, fault.exceptionCode ?? 4);
        isException = true;
        break;
      case "bitError":
        bytes = this.faults.flipBit(reply);
        break;
      case "truncate":
        bytes = this.faults.truncate(reply);
        break;
      case "garbage": {
        const g = this.faults.garbage();
        bytes = new Uint8Array(g.length + reply.length);
        bytes.set(g, 0);
        bytes.set(reply, g.length);
        break;
      }
      case "late":
        delay = Math.max(delay, fault.delayMs ?? 1000);
        break;
      case "duplicate":
        this.scheduleTwin(reply, delay + this.faults.duplicateOffsetChars * this.bus.charMs);
        break;
    }
    if (isException) this.stats.exceptions++;
    else this.stats.replies++;
    this.replying = true;
    this.transmitAfter(this.port!, bytes, delay, () => (this.replying = false));
  }

  /** Delay from the request's end to the reply; the framer already waited t3.5 of it. */
  private turnaround(): number {
    const t = this.opts.turnaroundMs ?? 10;
    const want = typeof t === "number" ? t : this.rng.uniform(t[0], t[1]);
    const t35 = t35Us(this.bus.config.baud) / 1000;
    return Math.max(0, Math.max(want, t35) - t35);
  }

  private transmitAfter(port: Transceiver, bytes: Uint8Array, delay: number, done?: () => void): void {
    const h = this.bus.clock.setTimeout(() => {
      this.pending = this.pending.filter((x) => x !== h);
      if (!this.device.powered || !this.port) {
        done?.();
        return;
      }
      port.setDE(true);
      port.write(bytes);
      // Release the line right after the last stop bit, as a UART's "transmit complete" would.
      port.whenTxIdle(() => {
        port.setDE(false);
        done?.();
      });
    }, delay);
    this.pending.push(h);
  }

  /** A second device with the same address answering the same request (Serial Line §2.2 forbids it). */
  private scheduleTwin(reply: Uint8Array, delay: number): void {
    if (!this.twin) this.twin = this.bus.attach(`${this.name}#twin`);
    this.transmitAfter(this.twin, reply, delay);
  }
}
