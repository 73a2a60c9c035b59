import { Rng } from "../rng";

/**
 * The reply faults a master must survive (the list modbus-serial's TestPort covers, plus
 * what an RS485 segment on a farm adds):
 * - bitError: one bit of the reply flipped on the line → bad CRC (CRC-16 catches every
 *   single-bit error, Modbus over Serial Line V1.02 §2.5.1.2);
 * - truncate: the reply stops early (slave reset, loose terminal);
 * - noReply: the request is ignored;
 * - late: the reply comes after lateMs (longer than the master's response timeout);
 * - exception: an exception response with `exceptionCode` instead of the data;
 * - garbage: random bytes on the line right before the reply (driver turn-on glitch, noise);
 * - duplicate: a second slave with the same address answers too → collision on the bus.
 */
export type FaultKind = "bitError" | "truncate" | "noReply" | "late" | "exception" | "garbage" | "duplicate";

export const FAULT_KINDS: readonly FaultKind[] = ["bitError", "truncate", "noReply", "late", "exception", "garbage", "duplicate"];

export interface FaultOptions {
  /** Probability per reply of each fault (sum ≤ 1). */
  rates?: Partial<Record<FaultKind, number>>;
  /** Seed for the draws and for the corrupted bytes. Default 1. */
  seed?: number | string;
  /** Delay of a late reply, ms after the request. Default 1000. */
  lateMs?: number;
  /** Exception code of an injected exception. Default 0x04 SLAVE DEVICE FAILURE. */
  exceptionCode?: number;
  /** Offset of the duplicate slave's reply, in character times. Default 0.4. */
  duplicateOffsetChars?: number;
}

export interface FaultDecision {
  kind: FaultKind;
  /** For "exception": the code to answer. */
  exceptionCode?: number;
  /** For "late": delay from the end of the request, ms. */
  delayMs?: number;
}

/**
 * Decides, per reply, whether to inject a fault (one-shot faults queued on demand first,
 * then the configured rates, drawn from a seeded RNG) and counts what it injected so a test
 * can compare the master's error counters with them.
 */
export class FaultInjector {
  readonly injected: Record<FaultKind, number> = { bitError: 0, truncate: 0, noReply: 0, late: 0, exception: 0, garbage: 0, duplicate: 0 };
  private readonly queue: FaultDecision[] = [];
  private readonly rng: Rng;
  private rates: Partial<Record<FaultKind, number>>;

  constructor(private readonly opts: FaultOptions = {}) {
    this.rng = new Rng(opts.seed ?? 1);
    this.rates = {};
    this.setRates(opts.rates ?? {});
  }

  /** Inject `kind` into the next reply (queued: call n times for n replies). */
  next(kind: FaultKind, extra: Omit<FaultDecision, "kind"> = {}): void {
    this.queue.push({ kind, ...extra });
  }

  setRates(rates: Partial<Record<FaultKind, number>>): void {
    let sum = 0;
    for (const [k, p] of Object.entries(rates)) {
      if (!FAULT_KINDS.includes(k as FaultKind)) throw new Error(`faults: unknown fault kind "${k}"`);
      if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new Error(`faults: rate of ${k} must be in [0, 1], got ${p}`);
      sum += p;
    }
    if (sum > 1 + 1e-9) throw new Error(`faults: rates add up to ${sum}, more than 1`);
    this.rates = { ...rates };
  }

  get totalInjected(): number {
    return FAULT_KINDS.reduce((s, k) => s + this.injected[k], 0);
  }

  /** Called once per reply the slave is about to send. */
  decide(): FaultDecision | undefined {
    let d = this.queue.shift();
    if (!d) {
      const r = this.rng.next();
      let acc = 0;
      for (const k of FAULT_KINDS) {
        acc += this.rates[k] ?? 0;
        if (r < acc) {
          d = { kind: k };
          break;
        }
      }
    }
    if (!d) return undefined;
    if (d.kind === "exception" && d.exceptionCode === undefined) d.exceptionCode = this.opts.exceptionCode ?? 0x04;
    if (d.kind === "late" && d.delayMs === undefined) d.delayMs = this.opts.lateMs ?? 1000;
    this.injected[d.kind]++;
    return d;
  }

  get duplicateOffsetChars(): number {
    return this.opts.duplicateOffsetChars ?? 0.4;
  }

  /** Flip one random bit of one random byte. */
  flipBit(frame: Uint8Array): Uint8Array {
    const out = Uint8Array.from(frame);
    const i = Math.floor(this.rng.next() * out.length);
    out[i] ^= 1 << Math.floor(this.rng.next() * 8);
    return out;
  }

  /** Keep a random non-empty strict prefix. */
  truncate(frame: Uint8Array): Uint8Array {
    const n = 1 + Math.floor(this.rng.next() * Math.max(1, frame.length - 1));
    return frame.slice(0, n);
  }

  /** 1 to 4 random bytes. */
  garbage(): Uint8Array {
    const n = 1 + Math.floor(this.rng.next() * 4);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.rng.next() * 256);
    return out;
  }
}
