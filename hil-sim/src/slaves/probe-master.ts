import { decodeResponse, FrameAssembler, type ModbusError, type ModbusResponse } from "@manure-edge/protocol";
import type { Rs485Bus } from "../bus/rs485-bus";
import type { Transceiver } from "../bus/transceiver";

export interface ProbeMasterOptions {
  /** Response timeout after the request has left the wire, ms. Default 200. */
  timeoutMs?: number;
  /** Receive chunk window (Espruino's polling), ms. Default 10. */
  chunkMs?: number;
  /** Keep DE high after the request (the classic bug): the reply is lost. Default false. */
  holdDE?: boolean;
  /** Never raise DE (the other classic bug): the request is lost. Default false. */
  noDE?: boolean;
}

export type ProbeResult =
  | { ok: true; response: ModbusResponse; at: number }
  | { ok: false; error: ModbusError; at: number }
  | { ok: false; error: "timeout"; at: number; received: number };

export interface ProbeStats {
  transactions: number;
  ok: number;
  timeouts: number;
  crcErrors: number;
  exceptions: number;
  otherErrors: number;
}

/**
 * A minimal Modbus RTU master on a bus transceiver, made of protocol's codec: it drives DE
 * around the request, frames the reply with FrameAssembler, decodes it with decodeResponse,
 * and on a timeout decodes whatever bytes did arrive so that a bit error shows up as a CRC
 * error rather than a bare timeout. For tests and the bench; the node's real master is the
 * firmware.
 */
export class ProbeMaster {
  readonly stats: ProbeStats = { transactions: 0, ok: 0, timeouts: 0, crcErrors: 0, exceptions: 0, otherErrors: 0 };
  readonly port: Transceiver;
  readonly assembler = new FrameAssembler();
  private current: { request: Uint8Array; cb: (r: ProbeResult) => void; raw: number[]; timer: unknown } | undefined;

  constructor(
    private readonly bus: Rs485Bus,
    private readonly opts: ProbeMasterOptions = {},
    name = "master",
  ) {
    this.port = bus.attachMaster({ onData: (c) => this.onData(c), chunkMs: opts.chunkMs ?? 10 }, name);
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  transact(request: Uint8Array, cb: (r: ProbeResult) => void): void {
    if (this.current) throw new Error("probe master: a transaction is in progress");
    this.stats.transactions++;
    this.assembler.expect(request);
    this.current = { request, cb, raw: [], timer: undefined };
    const cur = this.current;
    if (!this.opts.noDE) this.port.setDE(true);
    this.port.write(request);
    this.port.whenTxIdle(() => {
      if (!this.opts.holdDE) this.port.setDE(false);
      cur.timer = this.bus.clock.setTimeout(() => this.onTimeout(), this.opts.timeoutMs ?? 200);
    });
  }

  /** Promise form, for code that drives the clock elsewhere. */
  request(request: Uint8Array): Promise<ProbeResult> {
    return new Promise((resolve) => this.transact(request, resolve));
  }

  detach(): void {
    this.port.detach();
  }

  private onData(chunk: Uint8Array): void {
    const cur = this.current;
    if (!cur) {
      this.assembler.push(chunk); // counted as dropped
      return;
    }
    for (let i = 0; i < chunk.length; i++) cur.raw.push(chunk[i]);
    const frame = this.assembler.push(chunk);
    if (!frame) return;
    const r = decodeResponse(cur.request, frame);
    if (r.ok) this.stats.ok++;
    else if (r.kind === "exception") this.stats.exceptions++;
    else this.stats.otherErrors++;
    this.finish(r.ok ? { ok: true, response: r, at: this.bus.clock.now() } : { ok: false, error: r, at: this.bus.clock.now() });
  }

  private onTimeout(): void {
    const cur = this.current!;
    cur.timer = undefined;
    this.assembler.cancel();
    const at = this.bus.clock.now();
    if (cur.raw.length > 0) {
      // Something came but never made a good frame: say what was wrong with it.
      const r = decodeResponse(cur.request, Uint8Array.from(cur.raw));
      if (!r.ok) {
        if (r.kind === "crc") this.stats.crcErrors++;
        else if (r.kind === "exception") this.stats.exceptions++;
        else this.stats.otherErrors++;
        this.finish({ ok: false, error: r, at });
        return;
      }
    }
    this.stats.timeouts++;
    this.finish({ ok: false, error: "timeout", at, received: cur.raw.length });
  }

  private finish(r: ProbeResult): void {
    const cur = this.current!;
    if (cur.timer !== undefined) this.bus.clock.clearTimeout(cur.timer);
    this.current = undefined;
    cur.cb(r);
  }
}
