import type { Rs485Bus, WireChar } from "./rs485-bus";

export interface TransceiverOptions {
  /**
   * Received bytes, delivered in chunks like Espruino's UART polling task does: the first
   * byte of a burst starts a timer of chunkMs, and everything received until it fires is
   * delivered at once.
   */
  onData?: (chunk: Uint8Array) => void;
  /** Chunk window for onData, ms of virtual time. Default 10. 0 delivers every byte alone. */
  chunkMs?: number;
  /**
   * Every received byte at the instant its stop bit ends (what a slave's UART interrupt
   * sees; slaves time the t1.5/t3.5 silences from it). `suspect` is true when the character
   * was corrupted by a collision or cut (a real UART may flag a framing error, or may not).
   */
  onByte?: (byte: number, suspect: boolean) => void;
  /** Size of the UART receive buffer in bytes; bytes beyond it are dropped and counted. Default 1024. */
  rxBufferSize?: number;
}

export interface TransceiverStats {
  /** Characters that reached the wire. */
  txChars: number;
  /** Bytes written while DE was low: shifted out by the UART into a disabled driver, lost. */
  txLostDeLow: number;
  /** Characters cut because DE dropped before their stop bit ended. */
  txCut: number;
  /** Bytes received (including corrupted ones). */
  rxBytes: number;
  /** Received bytes that were corrupted (collision or cut character). */
  rxSuspect: number;
  /** Characters another transceiver sent while this one had DE high (receiver disabled): lost. */
  rxLostDeHigh: number;
  /** Received bytes dropped because the receive buffer was full. */
  rxOverflow: number;
}

/**
 * One RS485 transceiver (MAX485-like) with its UART, attached to a bus. The UART shifts
 * written bytes out one character time after another whatever DE says; only characters
 * whose start bit begins with DE high reach the wire.
 *
 * This is the endpoint the Espruino runtime wires to Serial2 (see hil-sim/README.md).
 */
export class Transceiver {
  readonly stats: TransceiverStats = { txChars: 0, txLostDeLow: 0, txCut: 0, rxBytes: 0, rxSuspect: 0, rxLostDeHigh: 0, rxOverflow: 0 };
  private deLevel = false;
  private readonly txFifo: number[] = [];
  private sending: WireChar | null | undefined = undefined; // undefined: UART idle
  private txTimer: unknown = undefined;
  private rxBuf: number[] = [];
  private rxTimer: unknown = undefined;
  private idleWaiters: (() => void)[] = [];
  private attached = true;

  constructor(
    private readonly bus: Rs485Bus,
    readonly name: string,
    private readonly opts: TransceiverOptions,
  ) {}

  /** Driver enable. High: this transceiver drives the line and does not receive. */
  get de(): boolean {
    return this.deLevel;
  }

  setDE(level: boolean): void {
    if (level === this.deLevel) return;
    this.deLevel = level;
    this.bus.deChanged(this, level);
  }

  /** Replace the receive callbacks (the Espruino runtime sets them when Serial2.on('data') is called). */
  setHandlers(h: Pick<TransceiverOptions, "onData" | "onByte">): void {
    if ("onData" in h) this.opts.onData = h.onData;
    if ("onByte" in h) this.opts.onByte = h.onByte;
  }

  /**
   * Queue bytes in the UART transmitter (like Serial.write: returns at once). They leave one
   * character time apart, starting now or when the previous bytes have left.
   */
  write(bytes: Uint8Array | readonly number[] | string): void {
    if (!this.attached) throw new Error(`bus: transceiver "${this.name}" is detached`);
    if (typeof bytes === "string") {
      for (let i = 0; i < bytes.length; i++) this.txFifo.push(bytes.charCodeAt(i) & 0xff);
    } else {
      for (let i = 0; i < bytes.length; i++) this.txFifo.push(bytes[i] & 0xff);
    }
    if (this.sending === undefined) this.nextChar();
  }

  /** Characters still to send, including the one on the wire. */
  get txPending(): number {
    return this.txFifo.length + (this.sending === undefined ? 0 : 1);
  }

  /** Virtual ms until the transmitter is empty (last stop bit sent). */
  drainMs(): number {
    if (this.sending === undefined) return 0;
    const cur = this.currentCharEnd - this.bus.clock.now();
    return Math.max(0, cur) + this.txFifo.length * this.bus.charMs;
  }

  /** Call fn once the transmitter is empty (right after the last character's stop bit). */
  whenTxIdle(fn: () => void): void {
    if (this.sending === undefined) fn();
    else this.idleWaiters.push(fn);
  }

  /** Bytes received but not yet delivered to onData (Espruino: still in the UART buffer). */
  get rxPending(): number {
    return this.rxBuf.length;
  }

  /** Drop everything queued for sending and everything received but not delivered. */
  clear(): void {
    this.txFifo.length = 0;
    this.rxBuf = [];
  }

  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.setDE(false);
    this.txFifo.length = 0;
    if (this.txTimer !== undefined) this.bus.clock.clearTimeout(this.txTimer);
    if (this.rxTimer !== undefined) this.bus.clock.clearTimeout(this.rxTimer);
    this.txTimer = this.rxTimer = undefined;
    this.sending = undefined;
    this.bus.remove(this);
  }

  private currentCharEnd = 0;

  private nextChar(): void {
    const byte = this.txFifo.shift();
    if (byte === undefined) {
      this.sending = undefined;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    const wc = this.bus.beginChar(this, byte);
    if (wc) this.stats.txChars++;
    else this.stats.txLostDeLow++;
    this.sending = wc ?? null;
    this.currentCharEnd = this.bus.clock.now() + this.bus.charMs;
    this.txTimer = this.bus.clock.setTimeout(() => {
      this.txTimer = undefined;
      if (wc) {
        if (wc.cutAt !== undefined) this.stats.txCut++;
        this.bus.endChar(wc);
      }
      this.nextChar();
    }, this.bus.charMs);
  }

  /** @internal a character arrived at this receiver. */
  receive(byte: number, suspect: boolean): void {
    this.stats.rxBytes++;
    if (suspect) this.stats.rxSuspect++;
    this.opts.onByte?.(byte, suspect);
    if (!this.opts.onData) return;
    if (this.rxBuf.length >= (this.opts.rxBufferSize ?? 1024)) {
      this.stats.rxOverflow++;
      return;
    }
    this.rxBuf.push(byte);
    const chunkMs = this.opts.chunkMs ?? 10;
    if (chunkMs <= 0) this.flushRx();
    else if (this.rxTimer === undefined) {
      this.rxTimer = this.bus.clock.setTimeout(() => {
        this.rxTimer = undefined;
        this.flushRx();
      }, chunkMs);
    }
  }

  /** @internal another transceiver's character passed while this one had DE high. */
  lostWhileDriving(): void {
    this.stats.rxLostDeHigh++;
  }

  private flushRx(): void {
    if (this.rxBuf.length === 0) return;
    const chunk = Uint8Array.from(this.rxBuf);
    this.rxBuf = [];
    this.opts.onData?.(chunk);
  }
}
