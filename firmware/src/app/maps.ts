/**
 * Register maps as the bundle carries them, about a third of the bytes of the JSON:
 *   - each point is an array of its fields in POINT_KEYS order (null where absent) instead of
 *     an object with long keys, the table as its index in TABLES;
 *   - fields past the array's end are the previous point's (a pt100-8ch's eight probes differ
 *     only in name and address).
 * Unpacked once at boot into protocol's RegisterMap. packMaps runs in the build
 * (scripts/build.ts), unpackMaps on the node.
 */
import type { PointDef, RegisterMap } from "@manure-edge/protocol";

/** The fields the node decodes with (notes, units, descriptions and write-only points stay out). */
export const POINT_KEYS = ["name", "table", "address", "type", "order", "bit", "scale", "offset", "range", "sentinel"] as const;
const TABLES = ["coil", "discrete", "holding", "input"];

/** id -> [maxGap, maxRegisters, points]. */
export type PackedMaps = { [id: string]: [number | null, number | null, unknown[][]] };

export function packMaps(maps: RegisterMap[]): PackedMaps {
  const out: PackedMaps = {};
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    let prev: unknown[] = [];
    const points = m.points.filter((p) => p.poll !== false).map((p) => {
      const full = POINT_KEYS.map((k) => (p[k] === undefined ? null : k === "table" ? TABLES.indexOf(p[k]) : p[k]));
      const a = full.concat([]);
      // Cut what the previous point has too (never the name, table or address).
      while (a.length > 3 && JSON.stringify(a[a.length - 1]) === JSON.stringify(prev[a.length - 1] === undefined ? null : prev[a.length - 1])) a.pop();
      prev = full;
      return a;
    });
    out[m.id] = [m.maxGap === undefined ? null : m.maxGap, m.maxRegisters === undefined ? null : m.maxRegisters, points];
  }
  return out;
}

export function unpackMaps(packed: PackedMaps): { [id: string]: RegisterMap } {
  const out: { [id: string]: RegisterMap } = {};
  for (const id in packed) {
    const m = packed[id];
    const map: RegisterMap = (out[id] = { id: id, name: "", points: [] });
    if (m[0] !== null) map.maxGap = m[0];
    if (m[1] !== null) map.maxRegisters = m[1];
    let prev: unknown[] = [];
    for (let i = 0; i < m[2].length; i++) {
      const a = m[2][i];
      const p: { [k: string]: unknown } = {};
      for (let k = 0; k < POINT_KEYS.length; k++) {
        if (k >= a.length) a[k] = k < prev.length ? prev[k] : null;
        if (a[k] !== null) p[POINT_KEYS[k]] = k === 1 ? TABLES[a[k] as number] : a[k];
      }
      prev = a;
      map.points.push(p as unknown as PointDef);
    }
  }
  return out;
}
