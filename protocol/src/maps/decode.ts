/**
 * decodePoint / encodePoint: registers <-> engineering values for one point of a register
 * map, with Uint8Array and DataView only (no Buffer: this runs on the node).
 *
 * Decoding: raw value from the registers (type, byte/word order) -> sentinel check ->
 * raw × scale + offset -> plausible-range check. encodePoint is the inverse, for the
 * simulator's slaves.
 */
import { Q } from "../wire/types";
import { PointDef, pointWidth } from "./types";

export interface PointValue {
  /** Engineering value, or null when the device reported a fault or nothing usable was read. */
  value: number | null;
  /** Quality flags (Q): SENSOR_FAULT, OUT_OF_RANGE, MODBUS_ERROR. */
  flags: number;
  /** Why the value is missing or flagged. */
  reason?: string;
}

let scratch: Uint8Array | null = null;
let view: DataView | null = null;

function dv(): DataView {
  if (view === null) {
    scratch = new Uint8Array(4);
    view = new DataView(scratch.buffer);
  }
  return view;
}

/**
 * Position in the 4-byte big-endian value (A B C D) of register hi/lo bytes for each order:
 * [R0 hi, R0 lo, R1 hi, R1 lo] -> index into ABCD.
 */
function layout(order: string | undefined): number[] {
  if (order === "CDAB") return [2, 3, 0, 1];
  if (order === "BADC") return [1, 0, 3, 2];
  if (order === "DCBA") return [3, 2, 1, 0];
  return [0, 1, 2, 3];
}

const LN10 = Math.log(10);

/** Rounds away binary noise (0.1 × 3 = 0.30000000000000004) to `digits` significant digits. */
function roundSig(x: number, digits: number): number {
  if (x === 0 || !isFinite(x)) return x;
  const e = Math.floor(Math.log(Math.abs(x)) / LN10);
  const k = digits - 1 - e;
  if (k >= 0) {
    const p = Math.pow(10, k);
    return Math.round(x * p) / p;
  }
  const q = Math.pow(10, -k);
  return Math.round(x / q) * q;
}

function sentinels(p: PointDef): number[] {
  const s = p.sentinel;
  if (s === undefined) return [];
  return typeof s === "number" ? [s] : s;
}

/**
 * Decodes `point` from `registers`, where registers[0] holds address `start` (default the
 * point's own address): pass a whole read block and its start address to decode each point
 * of the block. For coils and discrete inputs the array holds bits (0/1).
 */
export function decodePoint(point: PointDef, registers: ArrayLike<number>, start?: number): PointValue {
  const i = point.address - (start === undefined ? point.address : start);
  const w = pointWidth(point.type);
  if (i < 0 || i + w > registers.length) return { value: null, flags: Q.MODBUS_ERROR, reason: "register " + point.address + " not in the block read" };
  if (point.type === "bool") {
    const r = registers[i];
    const b = point.bit === undefined ? (r ? 1 : 0) : (r >> point.bit) & 1;
    return { value: b, flags: 0 };
  }
  const d = dv();
  let raw: number;
  if (w === 1) {
    d.setUint16(0, registers[i] & 0xffff);
    raw = point.type === "s16" ? d.getInt16(0) : d.getUint16(0);
  } else {
    const lay = layout(point.order);
    const r0 = registers[i] & 0xffff;
    const r1 = registers[i + 1] & 0xffff;
    d.setUint8(lay[0], r0 >> 8);
    d.setUint8(lay[1], r0 & 0xff);
    d.setUint8(lay[2], r1 >> 8);
    d.setUint8(lay[3], r1 & 0xff);
    raw = point.type === "u32" ? d.getUint32(0) : point.type === "s32" ? d.getInt32(0) : d.getFloat32(0);
  }
  const s = sentinels(point);
  for (let k = 0; k < s.length; k++) {
    if (raw === s[k]) return { value: null, flags: Q.SENSOR_FAULT, reason: "device reports fault (raw " + raw + ")" };
  }
  if (!isFinite(raw)) return { value: null, flags: Q.SENSOR_FAULT, reason: "device reports " + raw };
  const scale = point.scale === undefined ? 1 : point.scale;
  const offset = point.offset === undefined ? 0 : point.offset;
  // float32 carries about 7 significant digits; integer types up to 10 digits, times scale.
  const value = roundSig(raw * scale + offset, point.type === "f32" ? 7 : 12);
  const g = point.range;
  if (g && (value < g[0] || value > g[1])) return { value: value, flags: Q.OUT_OF_RANGE, reason: value + " outside plausible range [" + g[0] + ", " + g[1] + "]" };
  return { value: value, flags: 0 };
}

/**
 * Writes the raw form of `value` for `point` into `registers` (registers[0] = address
 * `start`, default the point's address). null writes the point's first sentinel (a device
 * in fault). Integer types are rounded and saturate at their limits, as real transmitters
 * do. A bool in a register sets or clears only its bit.
 */
export function writePoint(point: PointDef, value: number | null, registers: number[], start?: number): void {
  const i = point.address - (start === undefined ? point.address : start);
  if (i < 0) throw new Error("writePoint: " + point.name + " lies before the register block");
  if (point.type === "bool") {
    if (value === null) throw new Error("writePoint: " + point.name + " has no fault value");
    if (point.bit === undefined) registers[i] = value ? 1 : 0;
    else {
      const m = 1 << point.bit;
      registers[i] = value ? (registers[i] | 0) | m : (registers[i] | 0) & ~m & 0xffff;
    }
    return;
  }
  let raw: number;
  if (value === null) {
    const s = sentinels(point);
    if (s.length === 0) throw new Error("writePoint: " + point.name + " has no sentinel to report a fault");
    raw = s[0];
  } else {
    const scale = point.scale === undefined ? 1 : point.scale;
    const offset = point.offset === undefined ? 0 : point.offset;
    raw = (value - offset) / scale;
  }
  const d = dv();
  const t = point.type;
  if (t !== "f32") {
    raw = Math.round(raw);
    const lo = t === "u16" || t === "u32" ? 0 : t === "s16" ? -0x8000 : -0x80000000;
    const hi = t === "u16" ? 0xffff : t === "s16" ? 0x7fff : t === "u32" ? 0xffffffff : 0x7fffffff;
    if (raw !== raw) raw = 0;
    if (raw < lo) raw = lo;
    if (raw > hi) raw = hi;
  }
  if (t === "u16" || t === "s16") {
    registers[i] = raw & 0xffff;
    return;
  }
  if (t === "u32") d.setUint32(0, raw);
  else if (t === "s32") d.setInt32(0, raw);
  else d.setFloat32(0, raw);
  const lay = layout(point.order);
  registers[i] = (d.getUint8(lay[0]) << 8) | d.getUint8(lay[1]);
  registers[i + 1] = (d.getUint8(lay[2]) << 8) | d.getUint8(lay[3]);
}

/** The registers (or the bit) of `point` holding `value`; see writePoint. */
export function encodePoint(point: PointDef, value: number | null): number[] {
  const regs: number[] = [];
  for (let k = 0; k < pointWidth(point.type); k++) regs.push(0);
  writePoint(point, value, regs);
  return regs;
}
