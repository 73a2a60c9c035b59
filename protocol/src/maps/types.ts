/**
 * Device register maps as data (protocol/maps/<id>.json). See docs/ARCHITECTURE.md and
 * protocol/README.md "Register maps". A device is added by writing one of these; no code.
 */

/** Modbus data tables (Application Protocol V1.1b3 §4.3) and the function code that reads each. */
export type Table = "coil" | "discrete" | "holding" | "input";

export type ValueType = "bool" | "u16" | "s16" | "u32" | "s32" | "f32";

/**
 * Byte order of a 32-bit value over two registers, naming the value's bytes A (most
 * significant) to D as they appear in register N (high byte, low byte) then register N+1.
 * ABCD: big-endian (Modbus' own register order); CDAB: word-swapped (many meters and
 * weighing transmitters); BADC: byte-swapped; DCBA: little-endian.
 */
export type WordOrder = "ABCD" | "CDAB" | "BADC" | "DCBA";

export interface PointDef {
  /** Point name, [A-Za-z0-9_-]; the wire's sensor key is "<device id>.<name>". */
  name: string;
  table: Table;
  /** PDU address (0-based, as sent on the wire; not the "40001" register number). */
  address: number;
  type: ValueType;
  /** 32-bit types only; default ABCD. */
  order?: WordOrder;
  /** For bool in a holding/input register: the bit (0 = LSB). Bit points may share a register. */
  bit?: number;
  /** Engineering value = raw × scale + offset. Default 1 and 0. Not for bool. */
  scale?: number;
  offset?: number;
  /** Engineering unit of the scaled value ("m", "°C", "kg", "mm", "%RH"...). */
  unit?: string;
  /** What is measured: level, distance, temperature, weight, rain, humidity, status... */
  quantity?: string;
  /** Plausible engineering range [min, max]: outside it the reading is flagged Q.OUT_OF_RANGE. */
  range?: [number, number];
  /** Raw value(s), before scaling, that the device reports for a fault: Q.SENSOR_FAULT, no value. */
  sentinel?: number | number[];
  /** false for points that are only written (a tare coil): never polled. Default true. */
  poll?: boolean;
  /** The node may write this point (coil or holding register) on command. Default false. */
  writable?: boolean;
  description?: string;
}

export interface RegisterMap {
  /** Map id, [A-Za-z0-9_-]{1,32}; devices in a node's configuration refer to it. */
  id: string;
  name: string;
  /** Where the layout comes from, and what to check against the device's own manual. */
  notes?: string;
  points: PointDef[];
  /** Largest run of unmapped registers read through to join two reads (default 0). */
  maxGap?: number;
  /** Most registers per read, at most 125 (some devices accept fewer). */
  maxRegisters?: number;
}

/** Registers (or bits) a point occupies. */
export function pointWidth(type: ValueType): number {
  return type === "u32" || type === "s32" || type === "f32" ? 2 : 1;
}

/** Read function code for a table: coil 01, discrete 02, holding 03, input 04 (§6.1–6.4). */
export function tableFunction(table: Table): number {
  return table === "coil" ? 1 : table === "discrete" ? 2 : table === "holding" ? 3 : 4;
}
