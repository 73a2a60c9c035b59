import { decodeRequest, encodeException, encodeResponse } from "@manure-edge/protocol";
import { execute, ModbusException, type SlaveDevice } from "./register-space";

export type Outcome = "reply" | "exception" | "broadcast" | "badFrame" | "notForMe" | "unpowered";

export interface Answer {
  outcome: Outcome;
  /** The RTU reply frame (CRC included) for "reply" and "exception". */
  reply?: Uint8Array;
  /** Unit address and function code of the request, when the frame had them. */
  unit?: number;
  fc?: number;
}

/**
 * What a slave with address `device.unit` does with one RTU request frame — the one request
 * path shared by the byte-level bus, Modbus TCP and the serial pty, so that all three answer
 * alike:
 * - bad CRC or impossible length: ignored (Serial Line V1.02 §2.4.1);
 * - another unit: ignored; unit 0: a broadcast write, executed, never answered (§2.2);
 * - no power: ignored;
 * - else the normal response, or an exception response (Application Protocol V1.1b3 §7).
 * `devices` resolves a unit address to a device (one slave, or a whole simulated bus).
 */
export function respond(devices: (unit: number) => SlaveDevice[], frame: Uint8Array): Answer {
  const d = decodeRequest(frame);
  if (!d.ok && (d.kind === "crc" || d.kind === "length")) return { outcome: "badFrame" };
  const unit = frame[0];
  const fc = frame[1];
  const targets = devices(unit);
  if (targets.length === 0) return { outcome: "notForMe", unit, fc };
  const live = targets.filter((t) => t.powered);
  if (live.length === 0) return { outcome: "unpowered", unit, fc };
  if (!d.ok) {
    if (unit === 0) return { outcome: "broadcast", unit, fc };
    return { outcome: "exception", reply: encodeException(unit, fc, d.code), unit, fc };
  }
  if (unit === 0) {
    // Only writes may be broadcast (§2.2); a broadcast read is ignored, not executed.
    if (d.request.fc <= 4) return { outcome: "broadcast", unit, fc };
    for (const t of live) {
      try {
        execute(t, d.request);
      } catch (e) {
        if (!(e instanceof ModbusException)) throw e;
      }
    }
    return { outcome: "broadcast", unit, fc };
  }
  try {
    const values = execute(live[0], d.request);
    return { outcome: "reply", reply: encodeResponse(d.request, values), unit, fc };
  } catch (e) {
    if (!(e instanceof ModbusException)) throw e;
    return { outcome: "exception", reply: encodeException(unit, fc, e.code), unit, fc };
  }
}

/** A resolver for a set of devices, each answering its own address and broadcasts. */
export function unitsOf(devices: readonly SlaveDevice[]): (unit: number) => SlaveDevice[] {
  return (unit) => (unit === 0 ? devices.slice() : devices.filter((d) => d.unit === unit));
}
