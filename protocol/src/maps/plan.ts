/**
 * planReads: coalesces a device's points into the fewest read requests, per table, like
 * ESPHome's modbus_controller: points whose registers are contiguous, or separated by at
 * most `maxGap` unmapped registers, share one request of at most `maxRegisters` (≤ 125,
 * Application Protocol §6.3) registers or `maxBits` (≤ 2000, §6.1) bits.
 *
 * Sorting by address and extending each request greedily is optimal here: a request can
 * always take the next point if the span and gap limits allow it, and taking it never
 * makes a later split worse.
 *
 * Reading through gaps saves round trips on a slow bus, but some devices answer a read that
 * touches an unmapped register with exception 02: such maps keep maxGap at 0.
 */
import { MAX_READ_BITS, MAX_READ_REGISTERS } from "../modbus/pdu";
import { PointDef, pointWidth, Table, tableFunction } from "./types";

export interface PlanOptions {
  maxGap?: number;
  maxRegisters?: number;
  maxBits?: number;
}

export interface ReadBlock {
  table: Table;
  /** Function code that reads it: 01, 02, 03 or 04. */
  fc: number;
  address: number;
  count: number;
  /** Points decoded from this block (decodePoint(point, values, address)). */
  points: PointDef[];
}

const TABLE_ORDER = ["coil", "discrete", "holding", "input"];

export function planReads(points: PointDef[], opts?: PlanOptions): ReadBlock[] {
  const gap = opts && opts.maxGap !== undefined ? opts.maxGap : 0;
  const maxReg = Math.min(opts && opts.maxRegisters !== undefined ? opts.maxRegisters : MAX_READ_REGISTERS, MAX_READ_REGISTERS);
  const maxBits = Math.min(opts && opts.maxBits !== undefined ? opts.maxBits : MAX_READ_BITS, MAX_READ_BITS);
  const list: PointDef[] = [];
  for (let i = 0; i < points.length; i++) if (points[i].poll !== false) list.push(points[i]);
  list.sort(function (a, b) {
    const t = TABLE_ORDER.indexOf(a.table) - TABLE_ORDER.indexOf(b.table);
    return t !== 0 ? t : a.address - b.address;
  });
  const out: ReadBlock[] = [];
  let cur: ReadBlock | null = null;
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    const end = p.address + pointWidth(p.type);
    const limit = p.table === "coil" || p.table === "discrete" ? maxBits : maxReg;
    if (cur !== null && cur.table === p.table) {
      const curEnd = cur.address + cur.count;
      const newEnd = end > curEnd ? end : curEnd;
      if (p.address - curEnd <= gap && newEnd - cur.address <= limit) {
        cur.count = newEnd - cur.address;
        cur.points.push(p);
        continue;
      }
    }
    cur = { table: p.table, fc: tableFunction(p.table), address: p.address, count: end - p.address, points: [p] };
    out.push(cur);
  }
  return out;
}
