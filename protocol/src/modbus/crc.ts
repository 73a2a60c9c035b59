/**
 * CRC-16/MODBUS (Modbus over Serial Line V1.02 §6.2.2): polynomial 0xA001 (0x8005 reflected),
 * initial value 0xFFFF, no final xor. In an RTU frame the CRC is sent LOW byte first (§2.5.1.2).
 *
 * Table-driven: Espruino interprets JavaScript, and one table lookup per byte is about eight
 * times fewer operations than the bitwise loop. The table (512 bytes) is built on first use.
 */

let table: Uint16Array | null = null;

function buildTable(): Uint16Array {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
}

/** CRC-16/MODBUS of bytes[start, end). start defaults to 0, end to bytes.length. */
export function crc16(bytes: Uint8Array | ArrayLike<number>, start?: number, end?: number): number {
  if (table === null) table = buildTable();
  const tab = table;
  const from = start === undefined ? 0 : start;
  const to = end === undefined ? bytes.length : end;
  let crc = 0xffff;
  for (let i = from; i < to; i++) crc = (crc >>> 8) ^ tab[(crc ^ bytes[i]) & 0xff];
  return crc;
}

/** Writes the CRC of frame[0, length-2) into its last two bytes, low byte first (§2.5.1.2). */
export function putCrc(frame: Uint8Array): Uint8Array {
  const n = frame.length;
  const c = crc16(frame, 0, n - 2);
  frame[n - 2] = c & 0xff;
  frame[n - 1] = c >>> 8;
  return frame;
}

/** True when the frame's last two bytes are the CRC of the bytes before them. */
export function checkCrc(frame: Uint8Array, length?: number): boolean {
  const n = length === undefined ? frame.length : length;
  if (n < 3) return false;
  const c = crc16(frame, 0, n - 2);
  return frame[n - 2] === (c & 0xff) && frame[n - 1] === c >>> 8;
}
