/**
 * NMEA 0183 sentence -> fix: only what the node keeps of RMC and GGA (position, fix quality).
 *
 * protocol's parseNmea/parseRMC/parseGGA also give time, date, speed, course, satellites,
 * HDOP and altitude, with reasons for the gateway and the simulator; the node reads none of
 * them, and they cost ≈ 2.5 KB of the bundle. This gives the same verdict as those parsers
 * for every line (rtu-read's pattern: checked against them on random and broken sentences in
 * nmea.test.ts): frame and checksum (NMEA 0183 v4.10 §5.3: "$", at most 82 characters, "*hh",
 * XOR of the characters between), address field of 5, at least 9 fields after it.
 */
import type { Clock } from "@manure-edge/protocol";
import type { Uart } from "../hw/types";
import { GpsReceiver, type Fix } from "./gps";

/** The tanker's GPS receiver: NMEA 0183 on `uart`, a fix kept for 30 s. */
export function nmeaReceiver(uart: Uart, clock: Clock): GpsReceiver {
  return new GpsReceiver(uart, clock, nmeaFix, 30000);
}

const HEX = "0123456789ABCDEF";

/** "ddmm.mmmm" (d = 2) or "dddmm.mmmm" (3) with hemisphere -> signed degrees (protocol's coord). */
function coord(v: string, hemi: string, d: number): number | null {
  if (v === "" || hemi === "") return null;
  const deg = parseInt(v.substring(0, d), 10);
  const min = parseFloat(v.substring(d));
  if (!(deg >= 0) || !(min >= 0 && min < 60)) return null;
  const x = deg + min / 60;
  if (x > (d === 2 ? 90 : 180)) return null;
  return Math.round((hemi === "S" || hemi === "W" ? -x : x) * 1e7) / 1e7;
}

/** A fix; null for a good sentence without a usable fix; undefined for a bad sentence. */
export function nmeaFix(line: string): Fix | null | undefined {
  let s = line;
  while (s.length > 0 && (s.charAt(s.length - 1) === "\n" || s.charAt(s.length - 1) === "\r")) s = s.substring(0, s.length - 1);
  const star = s.length - 3;
  if (s.charAt(0) !== "$" || star < 0 || s.length > 82 || s.lastIndexOf("*") !== star) return undefined;
  const body = s.substring(1, star);
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i) & 0xff;
  if (HEX.indexOf(s.charAt(star + 1).toUpperCase()) < 0 || HEX.indexOf(s.charAt(star + 2).toUpperCase()) < 0 || parseInt(s.substring(star + 1), 16) !== x) return undefined;
  const f = body.split(",");
  if (f[0].length !== 5) return undefined;
  const type = f[0].substring(2);
  const gga = type === "GGA";
  if (!gga && type !== "RMC") return null;
  if (f.length < 10) return undefined;
  // GGA: time, lat, N/S, lon, E/W, fix quality (field 6, kept on the wire; 0 = invalid)...
  // RMC: time, status (A = valid, reported as quality 1: RMC has none), lat, N/S, lon, E/W...
  const q = gga ? (f[6] === "" ? 0 : parseInt(f[6], 10)) : f[2] === "A" ? 1 : 0;
  const lat = coord(f[gga ? 2 : 3], f[gga ? 3 : 4], 2);
  const lon = coord(f[gga ? 4 : 5], f[gga ? 5 : 6], 3);
  return q > 0 && lat !== null && lon !== null ? { lat: lat, lon: lon, q: q } : null;
}
