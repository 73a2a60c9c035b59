/**
 * Modbus RTU master over a UART and an RS485 transceiver's DE/RE pin
 * (Modbus over Serial Line V1.02; Modbus Application Protocol V1.1b3).
 *
 * One transaction at a time on the half-duplex line (§2.1: a single master, slaves only
 * answer). A single queue serves every device; each transaction has its own response
 * time-out, retries go to the back of the queue after a backoff, and a device that failed
 * `offlineAfter` times in a row is marked offline and only probed every `probeEvery` ms, so a
 * dead slave costs the others one time-out per probe, never a stall.
 */
import {
  FrameAssembler, decodeResponse, t35Us, txTimeUs,
  type Clock, type ModbusError, type ModbusResponse,
} from "@manure-edge/protocol";
import type { OutputPin, Uart } from "../hw/types";

export interface MasterOptions {
  baud: number;
  /** Bits per character on the wire: 10 for 8N1, 11 with parity or two stop bits (§2.5.1). */
  bitsPerChar: number;
  /** Response time-out after the request has left the wire, ms. */
  timeout: number;
  /** Extra attempts after the first. */
  retries: number;
  /** Delay before the first retry, doubled at each further one, ms. */
  backoff: number;
  /** Consecutive failed transactions before a device is marked offline. */
  offlineAfter: number;
  /** How often an offline device is probed, ms. */
  probeEvery: number;
  /** Margin after the last bit before DE goes low, ms (timer jitter; slaves wait t3.5 first). */
  deMargin: number;
}

export const DEFAULT_MASTER: MasterOptions = {
  baud: 9600, bitsPerChar: 10, timeout: 200, retries: 2, backoff: 50, offlineAfter: 3, probeEvery: 60000, deMargin: 1,
};

/** Per-device health and counters (reported in the status message). */
export class DeviceLink {
  ok = 0;
  timeout = 0;
  crc = 0;
  exception = 0;
  /** Other malformed replies (wrong length, byte count, echo). */
  bad = 0;
  /** Transactions not attempted because the device was offline and not due for a probe. */
  skipped = 0;
  consecutive = 0;
  offline = false;
  nextProbe = 0;
  constructor(readonly id: string, readonly unit: number) {}
  errors(): number {
    return this.timeout + this.crc + this.exception + this.bad;
  }
}

export type TxError = ModbusError | { ok: false; kind: "timeout" | "offline"; code: 0; name: string; message: string };
export type TxResult = ModbusResponse | TxError;

interface Tx {
  dev: DeviceLink;
  req: Uint8Array;
  attempt: number;
  notBefore: number;
  done: (r: TxResult) => void;
}

export class ModbusMaster {
  /** Transactions completed, by outcome, and bus time used (for the bus-utilisation bench). */
  transactions = 0;
  busyMs = 0;
  private readonly asm = new FrameAssembler();
  private queue: Tx[] = [];
  private cur: Tx | null = null;
  private curStart = 0;
  private crcAtStart = 0;
  private timer: unknown = null;
  private deTimer: unknown = null;
  private wake: unknown = null;
  private running = false;
  /** No request before this time: frames are separated by t3.5 of silence (§2.5.1.1). */
  private idleAt = 0;

  constructor(
    private readonly uart: Uart,
    private readonly de: OutputPin,
    private readonly clock: Clock,
    private opts: MasterOptions,
  ) {}

  start(): void {
    this.running = true;
    this.de.set(false);
    this.uart.onData((chunk) => this.onData(chunk));
  }

  stop(): void {
    this.running = false;
    this.uart.onData(null);
    this.clearTimers();
    if (this.wake !== null) this.clock.clearTimeout(this.wake);
    this.wake = null;
    this.de.set(false);
    const q = this.queue;
    this.queue = [];
    if (this.cur) q.unshift(this.cur);
    this.cur = null;
    for (let i = 0; i < q.length; i++) q[i].done(fail("offline", "master stopped"));
  }

  setOptions(o: MasterOptions): void {
    this.opts = o;
  }

  /** Bytes dropped as stray or garbage by the frame assembler. */
  droppedBytes(): number {
    return this.asm.droppedBytes;
  }

  pending(): number {
    return this.queue.length + (this.cur ? 1 : 0);
  }

  /** Queues a request to a device; `done` is called exactly once with the outcome. */
  request(dev: DeviceLink, req: Uint8Array, done: (r: TxResult) => void): void {
    const now = this.clock.now();
    if (dev.offline && now < dev.nextProbe) {
      dev.skipped++;
      done(fail("offline", "device " + dev.id + " offline"));
      return;
    }
    this.queue.push({ dev: dev, req: req, attempt: 0, notBefore: now, done: done });
    this.pump();
  }

  private pump(): void {
    if (!this.running || this.cur) return;
    const now = this.clock.now();
    let soonest = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const t = this.queue[i];
      if (t.notBefore <= now && this.idleAt <= now) {
        this.queue.splice(i, 1);
        this.begin(t);
        return;
      }
      const at = Math.max(t.notBefore, this.idleAt);
      if (soonest < 0 || at < soonest) soonest = at;
    }
    if (this.wake !== null) this.clock.clearTimeout(this.wake);
    this.wake = null;
    if (soonest >= 0) {
      this.wake = this.clock.setTimeout(() => {
        this.wake = null;
        this.pump();
      }, soonest - now);
    }
  }

  private begin(t: Tx): void {
    this.cur = t;
    this.curStart = this.clock.now();
    this.crcAtStart = this.asm.crcErrors;
    // Serial Line §2.5.1.1: whatever is in the receiver now is not the answer to this request.
    this.asm.expect(t.req);
    // No RS485 mode on the ESP32's UART: drive DE high before writing, low once the last
    // bit has left the wire (flush() returns before the UART is empty).
    this.de.set(true);
    this.uart.write(t.req);
    const txMs = Math.ceil(txTimeUs(this.opts.baud, t.req.length, this.opts.bitsPerChar) / 1000) + this.opts.deMargin;
    this.deTimer = this.clock.setTimeout(() => {
      this.deTimer = null;
      this.de.set(false);
    }, txMs);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      const crc = this.asm.crcErrors > this.crcAtStart;
      this.asm.cancel();
      this.finish(crc ? fail("crc", "CRC mismatch") : fail("timeout", "no response within " + this.opts.timeout + " ms"));
    }, txMs + this.opts.timeout);
  }

  private onData(chunk: Uint8Array): void {
    const frame = this.asm.push(chunk);
    if (frame && this.cur) this.finish(decodeResponse(this.cur.req, frame));
  }

  private clearTimers(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    if (this.deTimer !== null) this.clock.clearTimeout(this.deTimer);
    this.timer = null;
    this.deTimer = null;
  }

  private finish(r: TxResult): void {
    const t = this.cur;
    if (!t) return;
    // A reply cannot start before DE is released, so deTimer is normally gone; a reply that
    // came anyway (another master, a fast simulator) must not leave the driver enabled.
    this.clearTimers();
    this.de.set(false);
    this.cur = null;
    const now = this.clock.now();
    this.idleAt = now + Math.ceil(t35Us(this.opts.baud) / 1000);
    this.busyMs += now - this.curStart;
    this.transactions++;
    const dev = t.dev;
    if (r.ok) {
      dev.ok++;
      this.alive(dev);
      t.done(r);
    } else {
      if (r.kind === "timeout") dev.timeout++;
      else if (r.kind === "crc") dev.crc++;
      else if (r.kind === "exception") dev.exception++;
      else dev.bad++;
      // An exception is an answer: the device is alive; only "busy" (06) is worth retrying.
      const answered = r.kind === "exception";
      if (answered) this.alive(dev);
      const retry = (!answered || r.code === 6) && !dev.offline && t.attempt < this.opts.retries;
      if (retry) {
        t.attempt++;
        t.notBefore = now + this.opts.backoff * Math.pow(2, t.attempt - 1);
        this.queue.push(t);
      } else {
        if (!answered) {
          dev.consecutive++;
          if (dev.consecutive >= this.opts.offlineAfter) {
            dev.offline = true;
            dev.nextProbe = now + this.opts.probeEvery;
          }
        }
        t.done(r);
      }
    }
    this.pump();
  }

  private alive(dev: DeviceLink): void {
    dev.consecutive = 0;
    dev.offline = false;
  }
}

function fail(kind: "timeout" | "offline" | "crc", message: string): TxError {
  return { ok: false, kind: kind as "timeout", code: 0, name: kind.toUpperCase(), message: message };
}
