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
  FrameAssembler, decodeReadResponse, t35Us, txTimeUs,
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
  private readonly _asm = new FrameAssembler();
  private _queue: Tx[] = [];
  private _cur: Tx | null = null;
  private _curStart = 0;
  private _crcAtStart = 0;
  private _timer: unknown = null;
  private _deTimer: unknown = null;
  private _wake: unknown = null;
  private _running = false;
  /** No request before this time: frames are separated by t3.5 of silence (§2.5.1.1). */
  private _idleAt = 0;

  constructor(
    private readonly _uart: Uart,
    private readonly _de: OutputPin,
    private readonly _clock: Clock,
    private _opts: MasterOptions,
  ) {}

  start(): void {
    this._running = true;
    this._de.set(false);
    this._uart.onData((chunk) => this._onData(chunk));
  }

  stop(): void {
    this._running = false;
    this._uart.onData(null);
    this._clearTimers();
    if (this._wake !== null) this._clock.clearTimeout(this._wake);
    this._wake = null;
    this._de.set(false);
    const q = this._queue;
    this._queue = [];
    if (this._cur) q.unshift(this._cur);
    this._cur = null;
    for (let i = 0; i < q.length; i++) q[i].done(fail("offline"));
  }

  setOptions(o: MasterOptions): void {
    this._opts = o;
  }

  /** Bytes dropped as stray or garbage by the frame assembler. */
  droppedBytes(): number {
    return this._asm.droppedBytes;
  }

  pending(): number {
    return this._queue.length + (this._cur ? 1 : 0);
  }

  /** Queues a read request (FC 01–04, protocol's readRequestFrame) to a device; `done` is called exactly once with the outcome. */
  request(dev: DeviceLink, req: Uint8Array, done: (r: TxResult) => void): void {
    const now = this._clock.now();
    if (dev.offline && now < dev.nextProbe) {
      dev.skipped++;
      done(fail("offline"));
      return;
    }
    this._queue.push({ dev: dev, req: req, attempt: 0, notBefore: now, done: done });
    this._pump();
  }

  private _pump(): void {
    if (!this._running || this._cur) return;
    const now = this._clock.now();
    let soonest = -1;
    for (let i = 0; i < this._queue.length; i++) {
      const t = this._queue[i];
      if (t.notBefore <= now && this._idleAt <= now) {
        this._queue.splice(i, 1);
        this._begin(t);
        return;
      }
      const at = Math.max(t.notBefore, this._idleAt);
      if (soonest < 0 || at < soonest) soonest = at;
    }
    if (this._wake !== null) this._clock.clearTimeout(this._wake);
    this._wake = null;
    if (soonest >= 0) {
      this._wake = this._clock.setTimeout(() => {
        this._wake = null;
        this._pump();
      }, soonest - now);
    }
  }

  private _begin(t: Tx): void {
    this._cur = t;
    this._curStart = this._clock.now();
    this._crcAtStart = this._asm.crcErrors;
    // Serial Line §2.5.1.1: whatever is in the receiver now is not the answer to this request.
    this._asm.expect(t.req);
    // No RS485 mode on the ESP32's UART: drive DE high before writing, low once the last
    // bit has left the wire (flush() returns before the UART is empty).
    this._de.set(true);
    this._uart.write(t.req);
    const txMs = Math.ceil(txTimeUs(this._opts.baud, t.req.length, this._opts.bitsPerChar) / 1000) + this._opts.deMargin;
    this._deTimer = this._clock.setTimeout(() => {
      this._deTimer = null;
      this._de.set(false);
    }, txMs);
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      const crc = this._asm.crcErrors > this._crcAtStart;
      this._asm.cancel();
      this._finish(fail(crc ? "crc" : "timeout"));
    }, txMs + this._opts.timeout);
  }

  private _onData(chunk: Uint8Array): void {
    const frame = this._asm.push(chunk);
    if (frame && this._cur) this._finish(decodeReadResponse(this._cur.req, frame));
  }

  private _clearTimers(): void {
    if (this._timer !== null) this._clock.clearTimeout(this._timer);
    if (this._deTimer !== null) this._clock.clearTimeout(this._deTimer);
    this._timer = null;
    this._deTimer = null;
  }

  private _finish(r: TxResult): void {
    const t = this._cur;
    if (!t) return;
    // A reply cannot start before DE is released, so deTimer is normally gone; a reply that
    // came anyway (another master, a fast simulator) must not leave the driver enabled.
    this._clearTimers();
    this._de.set(false);
    this._cur = null;
    const now = this._clock.now();
    this._idleAt = now + Math.ceil(t35Us(this._opts.baud) / 1000);
    this.busyMs += now - this._curStart;
    this.transactions++;
    const dev = t.dev;
    if (r.ok) {
      dev.ok++;
      this._alive(dev);
      t.done(r);
    } else {
      if (r.kind === "timeout") dev.timeout++;
      else if (r.kind === "crc") dev.crc++;
      else if (r.kind === "exception") dev.exception++;
      else dev.bad++;
      // An exception is an answer: the device is alive; only "busy" (06) is worth retrying.
      const answered = r.kind === "exception";
      if (answered) this._alive(dev);
      const retry = (!answered || r.code === 6) && !dev.offline && t.attempt < this._opts.retries;
      if (retry) {
        t.attempt++;
        t.notBefore = now + this._opts.backoff * Math.pow(2, t.attempt - 1);
        this._queue.push(t);
      } else {
        if (!answered) {
          dev.consecutive++;
          if (dev.consecutive >= this._opts.offlineAfter) {
            dev.offline = true;
            dev.nextProbe = now + this._opts.probeEvery;
          }
        }
        t.done(r);
      }
    }
    this._pump();
  }

  private _alive(dev: DeviceLink): void {
    dev.consecutive = 0;
    dev.offline = false;
  }
}

/**
 * The master's own outcomes. Their message is their kind, as for every refusal but an
 * exception in the bundle (scripts/node-messages.ts): the poller reports the kind.
 */
function fail(kind: "timeout" | "offline" | "crc"): TxError {
  return { ok: false, kind: kind as "timeout", code: 0, name: kind.toUpperCase(), message: kind };
}
