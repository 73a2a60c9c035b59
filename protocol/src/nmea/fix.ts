/**
 * What a sensor node keeps of NMEA 0183: the position and fix quality of an RMC or GGA
 * sentence, where a tanker's load or discharge happened (firmware/src/gps). parseRMC and
 * parseGGA (./position.ts) give everything else as well (time, speed, satellites, altitude);
 * this reads the same fields with the same checks, so the node's bundle carries only these.
 */
import { parseNmea } from "./sentence";
import { coord } from "./position";

export interface PositionFix {
  /** Signed decimal degrees, WGS84 (south and west negative). */
  lat: number;
  lon: number;
  /** GGA field 6 (1 GPS, 2 DGPS, 4 RTK fixed...); 1 for an RMC with status A (RMC has no quality field). */
  q: number;
}

/**
 * A fix; null for a good sentence without one (another sentence type, status V or quality 0,
 * an empty or out-of-range position); undefined for a sentence parseRMC or parseGGA refuses
 * (frame, checksum, address field, fewer than 9 fields: NMEA 0183 v4.10 §5.3).
 */
export function nmeaFix(line: string): PositionFix | null | undefined {
  const p = parseNmea(line);
  if (!p.ok) return undefined;
  const type = p.value.type;
  const f = p.value.fields;
  const gga = type === "GGA";
  if (!gga && type !== "RMC") return null;
  if (f.length < 9) return undefined;
  // GGA: time, lat, N/S, lon, E/W, quality...; RMC: time, status, lat, N/S, lon, E/W...
  const q = gga ? (f[5] === "" ? 0 : parseInt(f[5], 10)) : f[1] === "A" ? 1 : 0;
  const lat = coord(f[gga ? 1 : 2], f[gga ? 2 : 3], 2);
  const lon = coord(f[gga ? 3 : 4], f[gga ? 4 : 5], 3);
  return q > 0 && lat !== null && lon !== null ? { lat: lat, lon: lon, q: q } : null;
}
