/**
 * A small Modbus RTU slave on hil-sim's byte-level RS485 bus, for the master's unit tests
 * (hil-sim's own slaves, built from register maps with physics, are used by the HIL tests).
 * Frames requests by length (protocol's requestFrameLength), answers after a turnaround with
 * DE high only while it transmits, and can be told to misbehave.
 */
import { decodeRequest, encodeException, encodeResponse, requestFrameLength } from "@manure-edge/protocol";
import type { Rs485Bus } from "../../hil-sim/src/bus/rs485-bus";
import type { Transceiver } from "../../hil-sim/src/bus/transceiver";
import type { Clock } from "@manure-edge/protocol";

export type Fault = "none" | "silent" | "badcrc" | "exception" | "busy" | "garbage-before" | "truncated";

export class BusSlave {
  fault: Fault = "none";
  requests = 0;
  private rx: number[] = [];
  private readonly t: Transceiver;
  private silence: unknown = null;

  constructor(
    bus: Rs485Bus,
    private readonly clock: Clock,
    readonly unit: number,
    public registers: (address: number, count: number, fc: number) => number[],
    private readonly turnaroundMs = 5,
  ) {
    this.t = bus.attach("slave" + unit, { onByte: (b) => this.onByte(b) });
  }

  private onByte(b: number) {
    this.rx.push(b);
    // A frame ends at t3.5 of silence; a new one restarts the buffer (Serial Line §2.5.1.1).
    if (this.silence !== null) this.clock.clearTimeout(this.silence);
    this.silence = this.clock.setTimeout(() => {
      this.silence = null;
      this.rx = [];
    }, 5);
    const f = Uint8Array.from(this.rx);
    const n = requestFrameLength(f);
    if (n > 0 && f.length >= n) {
      this.rx = [];
      this.handle(f.subarray(0, n));
    }
  }

  private handle(frame: Uint8Array) {
    const d = decodeRequest(frame);
    if (!d.ok) return;
    if (d.request.unit !== this.unit) return;
    this.requests++;
    if (this.fault === "silent") return;
    let out: Uint8Array;
    if (this.fault === "exception") out = encodeException(this.unit, d.request.fc, 2);
    else if (this.fault === "busy") out = encodeException(this.unit, d.request.fc, 6);
    else out = encodeResponse(d.request, this.registers(d.request.address, d.request.count, d.request.fc));
    if (this.fault === "badcrc") {
      out = Uint8Array.from(out);
      out[out.length - 1] ^= 0x5a;
    }
    if (this.fault === "truncated") out = out.subarray(0, out.length - 2);
    if (this.fault === "garbage-before") out = Uint8Array.from([0x00, 0xff, 0x13, ...out]);
    this.clock.setTimeout(() => {
      this.t.setDE(true);
      this.t.write(out);
      this.t.whenTxIdle(() => this.t.setDE(false));
    }, this.turnaroundMs);
  }
}
