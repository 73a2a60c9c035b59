/**
 * RMC and GGA (NMEA 0183): the two sentences a tanker node needs for where and when.
 * Latitude "ddmm.mmmm" + N/S and longitude "dddmm.mmmm" + E/W become signed decimal degrees
 * (WGS84, south and west negative).
 */
import { invalid, ValidationResult } from "../validation";
import { nmeaSentence, parseNmea } from "./sentence";

export interface RmcFix {
  talker: string;
  /** Status A = valid fix, V = receiver warning. */
  valid: boolean;
  /** UTC epoch ms from the time and date fields, or null when the receiver has no date yet. */
  time: number | null;
  /** Milliseconds since UTC midnight, or null. */
  timeOfDay: number | null;
  lat: number | null;
  lon: number | null;
  /** Speed over ground, knots. */
  speedKnots: number | null;
  /** Course over ground, degrees true. */
  course: number | null;
}

export interface GgaFix {
  talker: string;
  /** Milliseconds since UTC midnight (GGA has no date), or null. */
  timeOfDay: number | null;
  lat: number | null;
  lon: number | null;
  /** Field 6: 0 invalid, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, 6 estimated... */
  fix: number;
  satellites: number | null;
  hdop: number | null;
  /** Altitude above mean sea level, m. */
  altitude: number | null;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), and
 * its inverse: plain arithmetic instead of Date.UTC/getUTC*, so nothing depends on what the
 * Espruino Date object offers.
 */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month 1..12, day 1..31] of a day count since 1970-01-01. */
export function civilFromDays(days: number): number[] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const DAY_MS = 86400000;

function num(s: string): number | null {
  if (s === "") return null;
  const n = parseFloat(s);
  return isFinite(n) ? n : null;
}

/** "hhmmss.ss" -> ms since midnight. */
function timeOfDay(s: string): number | null {
  if (s.length < 6) return null;
  const h = parseInt(s.substring(0, 2), 10);
  const m = parseInt(s.substring(2, 4), 10);
  const sec = parseFloat(s.substring(4));
  if (!(h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 && sec < 61)) return null;
  return Math.round(((h * 60 + m) * 60 + sec) * 1000);
}

/** "ddmm.mmmm" (degDigits = 2) or "dddmm.mmmm" (3) with hemisphere -> signed degrees (7 decimals); null when empty or out of range. */
export function coord(v: string, hemi: string, degDigits: number): number | null {
  if (v === "" || hemi === "") return null;
  const deg = parseInt(v.substring(0, degDigits), 10);
  const min = parseFloat(v.substring(degDigits));
  if (!(deg >= 0) || !(min >= 0 && min < 60)) return null;
  const d = deg + min / 60;
  if (d > (degDigits === 2 ? 90 : 180)) return null;
  const signed = hemi === "S" || hemi === "W" ? -d : d;
  return Math.round(signed * 1e7) / 1e7;
}

/** Parses $xxRMC (time, status, lat, N/S, lon, E/W, speed, course, date, ...). */
export function parseRMC(line: string): ValidationResult<RmcFix> {
  const p = parseNmea(line);
  if (!p.ok) return p;
  const f = p.value.fields;
  if (p.value.type !== "RMC") return invalid("", "not an RMC sentence: " + p.value.type);
  if (f.length < 9) return invalid("", "RMC needs at least 9 fields, got " + f.length);
  const tod = timeOfDay(f[0]);
  let time: number | null = null;
  const date = f[8];
  if (tod !== null && date.length === 6) {
    const dd = parseInt(date.substring(0, 2), 10);
    const mm = parseInt(date.substring(2, 4), 10);
    const yy = parseInt(date.substring(4, 6), 10);
    // Two-digit year: 80..99 -> 19xx, else 20xx (receivers built after 1980).
    if (dd >= 1 && dd <= 31 && mm >= 1 && mm <= 12 && yy >= 0) time = daysFromCivil(yy < 80 ? 2000 + yy : 1900 + yy, mm, dd) * DAY_MS + tod;
  }
  return {
    ok: true,
    value: {
      talker: p.value.talker,
      valid: f[1] === "A",
      time: time,
      timeOfDay: tod,
      lat: coord(f[2], f[3], 2),
      lon: coord(f[4], f[5], 3),
      speedKnots: num(f[6]),
      course: num(f[7]),
    },
  };
}

/** Parses $xxGGA (time, lat, N/S, lon, E/W, fix quality, satellites, HDOP, altitude, M, ...). */
export function parseGGA(line: string): ValidationResult<GgaFix> {
  const p = parseNmea(line);
  if (!p.ok) return p;
  const f = p.value.fields;
  if (p.value.type !== "GGA") return invalid("", "not a GGA sentence: " + p.value.type);
  if (f.length < 9) return invalid("", "GGA needs at least 9 fields, got " + f.length);
  const q = f[5] === "" ? 0 : parseInt(f[5], 10);
  return {
    ok: true,
    value: {
      talker: p.value.talker,
      timeOfDay: timeOfDay(f[0]),
      lat: coord(f[1], f[2], 2),
      lon: coord(f[3], f[4], 3),
      fix: q >= 0 ? q : 0,
      satellites: f[6] === "" ? null : parseInt(f[6], 10),
      hdop: num(f[7]),
      altitude: num(f[8]),
    },
  };
}

// ---------------------------------------------------------------------------------------
// Encoders (the simulator's GPS receiver)

function pad(n: number, width: number): string {
  let s = String(n);
  while (s.length < width) s = "0" + s;
  return s;
}

/** ms since epoch -> "hhmmss.ss" (UTC). */
function nmeaTime(t: number): string {
  const ms = t - Math.floor(t / DAY_MS) * DAY_MS;
  const sec = Math.floor(ms / 1000);
  return pad(Math.floor(sec / 3600), 2) + pad(Math.floor(sec / 60) % 60, 2) + pad(sec % 60, 2) + "." + pad(Math.floor((ms % 1000) / 10), 2);
}

function nmeaDate(t: number): string {
  const c = civilFromDays(Math.floor(t / DAY_MS));
  return pad(c[2], 2) + pad(c[1], 2) + pad(c[0] % 100, 2);
}

/** Signed degrees -> "ddmm.mmmmm,N" (degDigits 2) or "dddmm.mmmmm,E" (3). */
function nmeaCoord(v: number, degDigits: number, pos: string, neg: string): string {
  const a = Math.abs(v);
  let deg = Math.floor(a);
  let min = Math.round((a - deg) * 60 * 100000) / 100000;
  if (min >= 60) {
    deg += 1;
    min -= 60;
  }
  const ms = min.toFixed(5);
  return pad(deg, degDigits) + (min < 10 ? "0" : "") + ms + "," + (v < 0 ? neg : pos);
}

export interface RmcInput {
  /** UTC epoch ms. */
  time: number;
  lat: number;
  lon: number;
  valid: boolean;
  speedKnots?: number;
  course?: number;
  talker?: string;
}

export interface GgaInput {
  time: number;
  lat: number;
  lon: number;
  fix: number;
  satellites?: number;
  hdop?: number;
  altitude?: number;
  talker?: string;
}

/** $xxRMC sentence with CR LF; talker defaults to GN. */
export function encodeRMC(x: RmcInput): string {
  const body =
    (x.talker || "GN") + "RMC," + nmeaTime(x.time) + "," + (x.valid ? "A" : "V") + "," + nmeaCoord(x.lat, 2, "N", "S") + "," + nmeaCoord(x.lon, 3, "E", "W") + "," +
    (x.speedKnots === undefined ? "0.0" : x.speedKnots.toFixed(1)) + "," + (x.course === undefined ? "" : x.course.toFixed(1)) + "," + nmeaDate(x.time) + ",,," + (x.valid ? "A" : "N");
  return nmeaSentence(body);
}

/** $xxGGA sentence with CR LF; talker defaults to GN. */
export function encodeGGA(x: GgaInput): string {
  const body =
    (x.talker || "GN") + "GGA," + nmeaTime(x.time) + "," + nmeaCoord(x.lat, 2, "N", "S") + "," + nmeaCoord(x.lon, 3, "E", "W") + "," + x.fix + "," +
    pad(x.satellites === undefined ? 0 : x.satellites, 2) + "," + (x.hdop === undefined ? "" : x.hdop.toFixed(1)) + "," + (x.altitude === undefined ? "" : x.altitude.toFixed(1)) + ",M,,M,,";
  return nmeaSentence(body);
}
