/**
 * The only Modbus RTU frames the node makes and reads: FC 01–04 read requests and their
 * responses (Modbus Application Protocol V1.1b3 §6.1–6.4; Serial Line V1.02 §2.5.1).
 *
 * protocol's encodeReadRequest and decodeResponse serve every function code and check their
 * arguments for any caller; on the node the requests come from planReads over register maps
 * checked at build time and units checked with the configuration, so those argument checks
 * (and the write functions' branches) are dead code there. These two give protocol's results
 * for reads: the same frame, and the same decodeResponse verdict (kind, code, name, values;
 * the message of an exception), checked on random frames in rtu-read.test.ts. The message of
 * any other refusal is its kind (the node counts by kind, scripts/node-messages.ts).
 */
import { checkCrc, modbusError, putCrc, type ModbusError, type ModbusResponse } from "@manure-edge/protocol";

/** FC 01/02/03/04 request (§6.1–6.4): unit, fc, address, quantity, CRC. */
export function readRequest(unit: number, fc: number, address: number, count: number): Uint8Array {
  return putCrc(new Uint8Array([unit, fc, address >> 8, address, count >> 8, count, 0, 0]));
}

/**
 * Checks and decodes the response `f` to the read request `req`, in decodeResponse's order:
 * length, CRC, slave address, exception (fc | 0x80, §7), function, length, byte count.
 */
export function decodeRead(req: Uint8Array, f: Uint8Array): ModbusResponse | ModbusError {
  const n = f.length;
  const fc = req[1];
  const count = (req[4] << 8) | req[5];
  const bits = fc < 3;
  let kind = "";
  if (n < 5) kind = "length";
  else if (!checkCrc(f, n)) kind = "crc";
  else if (f[0] !== req[0]) kind = "address";
  else if (f[1] === (fc | 0x80)) {
    if (n !== 5) kind = "length";
    else {
      const e = modbusError("exception", f[2], "");
      e.message = "exception " + f[2] + " " + e.name;
      return e;
    }
  } else if (f[1] !== fc) kind = "function";
  else if (n !== 5 + (bits ? (count + 7) >> 3 : 2 * count)) kind = "length";
  else if (f[2] !== n - 5) kind = "bytecount";
  if (kind) return modbusError(kind as "length", 0, kind);
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(bits ? (f[3 + (i >> 3)] >> (i & 7)) & 1 : (f[3 + 2 * i] << 8) | f[4 + 2 * i]);
  return { ok: true, unit: f[0], fc: fc, address: (req[2] << 8) | req[3], count: count, values: values };
}
