import type { Table } from "@manure-edge/protocol";

/** Why an input message cannot be decoded (reported on the message, counted by the node). */
export class DecodeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecodeInputError";
  }
}

/** Read quantities a Modbus request may ask for: 1..2000 bits (FC 01/02, §6.1-6.2), 1..125 registers (FC 03/04, §6.3-6.4). */
export const MAX_BITS = 2000;
export const MAX_REGISTERS = 125;

export function isBitTable(table: Table): boolean {
  return table === "coil" || table === "discrete";
}

/**
 * The block's values from a message payload: an array of register values 0..65535 (what
 * Modbus read nodes emit), or for registers a Buffer of big-endian bytes, two per register
 * (Modbus §4.2: register data is sent high byte first); for coils and discrete inputs an array
 * of booleans or 0/1.
 */
export function registersFrom(payload: unknown, table: Table): number[] {
  const bits = isBitTable(table);
  const max = bits ? MAX_BITS : MAX_REGISTERS;
  let out: number[];
  if (payload instanceof Uint8Array) {
    if (bits) throw new DecodeInputError(`payload: a Buffer is read as registers; give ${table} values as an array of booleans or 0/1`);
    if (payload.length % 2 !== 0) throw new DecodeInputError(`payload: a Buffer of ${payload.length} bytes is not whole registers (2 bytes each)`);
    out = [];
    for (let i = 0; i < payload.length; i += 2) out.push((payload[i]! << 8) | payload[i + 1]!);
  } else if (Array.isArray(payload)) {
    out = payload.map((v, i) => {
      if (bits) {
        if (v === true || v === 1) return 1;
        if (v === false || v === 0) return 0;
        throw new DecodeInputError(`payload[${i}]: ${JSON.stringify(v)} is not a bit (true/false or 0/1)`);
      }
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffff) throw new DecodeInputError(`payload[${i}]: ${JSON.stringify(v)} is not a register value (an integer 0..65535)`);
      return v;
    });
  } else {
    throw new DecodeInputError(`payload: expected an array of ${bits ? "bits" : "register values"}${bits ? "" : " or a Buffer"}, got ${payload === null ? "null" : typeof payload}`);
  }
  if (out.length === 0) throw new DecodeInputError("payload: empty");
  if (out.length > max) throw new DecodeInputError(`payload: ${out.length} ${bits ? "bits" : "registers"}, more than one Modbus read carries (${max})`);
  return out;
}
