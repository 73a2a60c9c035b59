import type { Clock } from "@manure-edge/protocol";
import { bitsPerChar, charMs, validateLineConfig, type LineConfig } from "./line-config";
import { FineClock } from "./fine-clock";
import { Rng } from "../rng";
import { Transceiver, type TransceiverOptions } from "./transceiver";

/** One character being driven onto the wire by one transceiver. */
export interface WireChar {
  sender: Transceiver;
  byte: number;
  start: number;
  end: number;
  /** Another driver was on the line during this character: receivers get garbage. */
  collided: boolean;
  /** The sender dropped DE before the character ended (ms since epoch), or undefined. */
  cutAt?: number;
}

/** What receivers saw for one character, for observers (tests, traces, the bench). */
export interface CharEvent {
  sender: string;
  sent: number;
  /** The byte receivers got, or undefined if nothing was recognisable (cut in the start bit). */
  received: number | undefined;
  start: number;
  end: number;
  collided: boolean;
  cut: boolean;
}

export interface BusStats {
  /** Characters that went onto the wire (DE high at their start). */
  chars: number;
  /** Characters corrupted because two drivers were on the line at once. */
  collidedChars: number;
  /** Characters cut short because their sender dropped DE mid-character. */
  cutChars: number;
  /** Characters hit by a random bit error (bitErrorRate). */
  bitErrors: number;
}

export interface Rs485BusOptions extends LineConfig {
  /** Seed for the garbage a collision produces and for bit errors (deterministic runs). Default 1. */
  seed?: number | string;
  /**
   * Probability that any one bit on the wire is received wrong (EMI on a long unshielded
   * cable). Default 0. A hit flips one data bit of the character for every receiver.
   */
  bitErrorRate?: number;
}

/**
 * A half-duplex RS485 segment at byte level on a virtual clock (TIA/EIA-485 two-wire,
 * Modbus over Serial Line V1.02 §3.3.2). Every attached transceiver has a driver enable (DE)
 * and a receiver that is enabled while DE is low (DE and /RE tied together, the usual
 * wiring for a MAX485 on an ESP32). Each character occupies bitsPerChar bit-times at the
 * configured baud. Faithful in the ways that break real masters:
 * - bytes written while DE is low never reach the wire (counted on the transceiver);
 * - dropping DE before the last stop bit cuts the character (receivers see the bits sent so
 *   far and idle "1" bits after, because of fail-safe bias);
 * - two drivers at once (two characters overlapping, or one endpoint holding DE high while
 *   another transmits) corrupt the characters for every receiver (counted as collisions);
 * - a transceiver whose DE is high does not receive (its /RE is high).
 * The same class serves as a point-to-point UART line (the GPS): one driver with DE high.
 */
export class Rs485Bus {
  readonly config: Required<LineConfig>;
  /** Time of one character on the wire, ms. */
  readonly charMs: number;
  /** Time of one bit, ms. */
  readonly bitMs: number;
  readonly stats: BusStats = { chars: 0, collidedChars: 0, cutChars: 0, bitErrors: 0 };
  /** See Rs485BusOptions.bitErrorRate; may be changed during a run. */
  bitErrorRate: number;
  private readonly transceivers: Transceiver[] = [];
  private readonly active: WireChar[] = [];
  private readonly observers: ((ev: CharEvent) => void)[] = [];
  private readonly rng: Rng;

  /**
   * Sub-millisecond clock of this bus (character times are fractions of a ms). Slaves and
   * anything else that times bytes on this bus should schedule on it.
   */
  readonly clock: FineClock;

  constructor(clock: Clock, opts: Rs485BusOptions) {
    validateLineConfig(opts);
    this.clock = clock instanceof FineClock ? clock : new FineClock(clock);
    this.config = { baud: opts.baud, dataBits: opts.dataBits ?? 8, parity: opts.parity ?? "none", stopBits: opts.stopBits ?? 1 };
    this.charMs = charMs(this.config);
    this.bitMs = this.charMs / bitsPerChar(this.config);
    this.rng = new Rng(opts.seed ?? 1);
    this.bitErrorRate = opts.bitErrorRate ?? 0;
    if (!(this.bitErrorRate >= 0 && this.bitErrorRate < 1)) throw new Error(`bus: bitErrorRate must be in [0, 1), got ${opts.bitErrorRate}`);
  }

  get bitsPerChar(): number {
    return bitsPerChar(this.config);
  }

  /** Attach a transceiver (a node's MAX485, a slave, a sniffer). */
  attach(name: string, opts: TransceiverOptions = {}): Transceiver {
    if (this.transceivers.some((t) => t.name === name)) throw new Error(`bus: a transceiver named "${name}" is already attached`);
    const t = new Transceiver(this, name, opts);
    this.transceivers.push(t);
    return t;
  }

  /**
   * Attach the master's transceiver. Same as attach(); named for the Espruino runtime, which
   * wires Serial2.write → write(), digitalWrite(DE pin) → setDE(), and on('data') ← onData.
   */
  attachMaster(opts: TransceiverOptions = {}, name = "master"): Transceiver {
    return this.attach(name, opts);
  }

  /** @internal called by Transceiver.detach(). */
  remove(t: Transceiver): void {
    const i = this.transceivers.indexOf(t);
    if (i >= 0) this.transceivers.splice(i, 1);
  }

  /** Watch every character as receivers see it. Returns a function that stops watching. */
  observe(fn: (ev: CharEvent) => void): () => void {
    this.observers.push(fn);
    return () => {
      const i = this.observers.indexOf(fn);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  /** Number of attached transceivers. */
  get attached(): number {
    return this.transceivers.length;
  }

  /** True if some transceiver is driving the line right now. */
  get busy(): boolean {
    return this.active.length > 0 || this.transceivers.some((t) => t.de);
  }

  /** @internal a transceiver's UART starts shifting a character out. */
  beginChar(sender: Transceiver, byte: number): WireChar | undefined {
    const now = this.clock.now();
    if (!sender.de) return undefined;
    const wc: WireChar = { sender, byte, start: now, end: now + this.charMs, collided: false };
    for (const other of this.active) {
      if (other.sender !== sender && other.end > now) {
        this.collide(other);
        this.collide(wc);
      }
    }
    // Another transceiver with DE high drives the idle state onto the line: contention.
    if (this.transceivers.some((t) => t !== sender && t.de)) this.collide(wc);
    this.active.push(wc);
    this.stats.chars++;
    return wc;
  }

  /** @internal the character's stop bit has ended: deliver it to every enabled receiver. */
  endChar(wc: WireChar): void {
    const i = this.active.indexOf(wc);
    if (i >= 0) this.active.splice(i, 1);
    let received = this.receivedByte(wc);
    let hit = false; // the receiving UART flags the character
    if (this.bitErrorRate > 0 && received !== undefined && this.rng.next() < 1 - Math.pow(1 - this.bitErrorRate, this.bitsPerChar)) {
      received ^= 1 << Math.floor(this.rng.next() * this.config.dataBits);
      this.stats.bitErrors++;
      // Only a parity bit lets the UART notice (a framing/parity error); with 8N1 the byte
      // looks fine and only the frame's CRC can catch it.
      hit = this.config.parity !== "none";
    }
    for (const t of this.transceivers) {
      if (t === wc.sender) continue;
      if (t.de) {
        t.lostWhileDriving();
        continue;
      }
      if (received !== undefined) t.receive(received, wc.collided || wc.cutAt !== undefined || hit);
    }
    const ev: CharEvent = {
      sender: wc.sender.name,
      sent: wc.byte,
      received,
      start: wc.start,
      end: wc.end,
      collided: wc.collided,
      cut: wc.cutAt !== undefined,
    };
    for (const o of this.observers.slice()) o(ev);
  }

  /** @internal DE changed on a transceiver. */
  deChanged(t: Transceiver, level: boolean): void {
    const now = this.clock.now();
    for (const wc of this.active) {
      if (wc.sender === t) {
        if (!level && wc.cutAt === undefined && now < wc.end) {
          wc.cutAt = now;
          this.stats.cutChars++;
        }
      } else if (level && now < wc.end) {
        this.collide(wc);
      }
    }
  }

  private collide(wc: WireChar): void {
    if (!wc.collided) {
      wc.collided = true;
      this.stats.collidedChars++;
    }
  }

  private receivedByte(wc: WireChar): number | undefined {
    if (wc.collided) {
      // Two drivers on one differential pair: the receiver's threshold decides bit by bit.
      // Model the outcome as the sent byte with a non-zero random error pattern.
      return (wc.byte ^ (1 + Math.floor(this.rng.next() * 255))) & 0xff;
    }
    if (wc.cutAt !== undefined) {
      const bits = Math.floor((wc.cutAt - wc.start) / this.bitMs + 1e-9);
      if (bits < 1) return undefined; // start bit not completed: nothing recognisable
      const dataBits = Math.min(bits - 1, this.config.dataBits);
      const keepMask = (1 << dataBits) - 1;
      // Bits after the cut read as idle (mark = 1) because of the fail-safe bias.
      return ((wc.byte & keepMask) | (~keepMask & 0xff)) & 0xff;
    }
    return wc.byte;
  }
}
