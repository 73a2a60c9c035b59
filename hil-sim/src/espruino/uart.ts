import type { LineConfig } from "../bus/line-config";
import type { Transceiver } from "../bus/transceiver";

/**
 * What a Serial object of the runtime is wired to: the UART's TX line, chunks of received
 * bytes, and (for an RS485 transceiver) the driver-enable pin.
 */
export interface UartPort {
  /** Bytes handed to the UART (they leave at the line's pace; the port models that). */
  write(bytes: Uint8Array): void;
  /** Where received chunks go; undefined while the node is off. */
  setReceiver(fn: ((chunk: Uint8Array) => void) | undefined): void;
  /** DE/RE of an RS485 transceiver. */
  setDE?(level: boolean): void;
  /** Character format the other end speaks: a Serial set up differently receives garbage. */
  readonly line?: LineConfig;
  /** UART reset (reboot, power loss): drop what is queued. */
  reset?(): void;
}

/** A bus transceiver (hil-sim/src/bus) as a UartPort: Serial2 + DE pin, or the GPS line. */
export function transceiverPort(t: Transceiver, line?: LineConfig): UartPort {
  return {
    write: (bytes) => t.write(bytes),
    setReceiver: (fn) => t.setHandlers({ onData: fn }),
    setDE: (level) => t.setDE(level),
    line,
    reset: () => {
      t.setDE(false);
      t.clear();
    },
  };
}

/**
 * A port for tests and tools with no line timing: records what the node writes, and
 * delivers injected bytes as one chunk.
 */
export class LoopbackPort implements UartPort {
  readonly written: number[] = [];
  de = false;
  private rx: ((chunk: Uint8Array) => void) | undefined;
  /** If true, everything written comes straight back (TX wired to RX). */
  constructor(
    readonly echo = false,
    readonly line?: LineConfig,
  ) {}

  write(bytes: Uint8Array): void {
    this.written.push(...bytes);
    if (this.echo) this.inject(bytes);
  }

  setReceiver(fn: ((chunk: Uint8Array) => void) | undefined): void {
    this.rx = fn;
  }

  setDE(level: boolean): void {
    this.de = level;
  }

  /** Deliver bytes to the node now (dropped while it is off or the Serial is not set up). */
  inject(bytes: Uint8Array | string): void {
    const b = typeof bytes === "string" ? Uint8Array.from(bytes, (c) => c.charCodeAt(0) & 0xff) : bytes;
    this.rx?.(b);
  }

  get writtenText(): string {
    return String.fromCharCode(...this.written);
  }
}
