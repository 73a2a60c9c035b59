import { localDateMs, type FieldConfig } from "../config";
import { distanceM, inPolygon } from "../util/geo";
import { DAY } from "../util/time";

/** The registered field containing a position (polygon, or centre + radius), or null. */
export function fieldAt(fields: readonly FieldConfig[], lat: number, lon: number): FieldConfig | null {
  for (const f of fields) {
    if (f.polygon !== undefined && inPolygon(lat, lon, f.polygon)) return f;
    if (f.polygon === undefined && f.centre !== undefined && f.radiusM !== undefined && distanceM(lat, lon, f.centre[0], f.centre[1]) <= f.radiusM) return f;
  }
  return null;
}

/** Crop season of a field at t (season bounds are local dates, end inclusive); else the calendar year. */
export function seasonAt(f: FieldConfig, t: number, utcOffsetMin: number): { name: string; end: number } {
  for (const s of f.seasons) {
    const a = localDateMs(s.start, utcOffsetMin);
    const b = localDateMs(s.end, utcOffsetMin) + DAY;
    if (t >= a && t < b) return { name: s.name, end: b };
  }
  const y = new Date(t + utcOffsetMin * 60_000).getUTCFullYear();
  return { name: String(y), end: localDateMs(`${y + 1}-01-01`, utcOffsetMin) };
}

/** Subsidy cap, t/mu per season: paddy 2, dry land 3 (one county's plan, V). */
export function capOf(f: FieldConfig): number {
  return f.capTPerMu ?? (f.crop === "paddy" ? 2 : 3);
}

/** A store a tanker can be at (loading, or returning slurry), from the stores' positions. */
export interface StoreSite {
  id: string;
  lat: number;
  lon: number;
  radiusM: number;
}

export function storeAt(sites: readonly StoreSite[], lat: number, lon: number): StoreSite | null {
  for (const s of sites) if (distanceM(lat, lon, s.lat, s.lon) <= s.radiusM) return s;
  return null;
}
