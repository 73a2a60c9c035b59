import { decodePoint, pointWidth, type RegisterMap, type Table } from "@manure-edge/protocol";
import { DecodeInputError } from "./registers";

export interface DecodedPoint {
  /** Engineering value (raw × scale + offset), or null when the device reported a fault. */
  value: number | null;
  unit: string | null;
  /** Quality flags of protocol's Q: OUT_OF_RANGE 2, SENSOR_FAULT 4. */
  flags: number;
  reason?: string;
}

const TABLES: readonly Table[] = ["coil", "discrete", "holding", "input"];

export function isTable(x: unknown): x is Table {
  return typeof x === "string" && (TABLES as readonly string[]).includes(x);
}

/**
 * Every point of `map` in `table` that lies wholly inside the block read from address `start`
 * (a 32-bit value needs both its registers), decoded as the node and the gateway decode it
 * (protocol's decodePoint: sentinel, scale and offset, plausible range). Write-only points are
 * left out. A block holding none of the map's points is an error: the map, table or start
 * address does not match what was read.
 */
export function decodeBlock(map: RegisterMap, table: Table, start: number, values: number[]): Record<string, DecodedPoint> {
  const end = start + values.length;
  const out: Record<string, DecodedPoint> = {};
  let n = 0;
  for (const p of map.points) {
    if (p.table !== table || p.poll === false) continue;
    if (p.address < start || p.address + pointWidth(p.type) > end) continue;
    const v = decodePoint(p, values, start);
    const d: DecodedPoint = { value: v.value, unit: p.unit ?? null, flags: v.flags };
    if (v.reason !== undefined) d.reason = v.reason;
    out[p.name] = d;
    n++;
  }
  if (n === 0) throw new DecodeInputError(`map "${map.id}" has no ${table} point inside addresses ${start}..${end - 1}`);
  return out;
}
