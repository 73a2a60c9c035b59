/** NMEA 0183 sentence -> fix, with protocol's parsers (checksums verified there). */
import { parseGGA, parseNmea, parseRMC, type Clock } from "@manure-edge/protocol";
import type { Uart } from "../hw/types";
import { GpsReceiver, type Fix } from "./gps";

/** The tanker's GPS receiver: NMEA 0183 on `uart`, a fix kept for 30 s. */
export function nmeaReceiver(uart: Uart, clock: Clock): GpsReceiver {
  return new GpsReceiver(uart, clock, nmeaFix, 30000);
}

/** A fix; null for a good sentence without a usable fix; undefined for a bad sentence. */
export function nmeaFix(line: string): Fix | null | undefined {
  const type = line.substr(3, 3);
  if (type === "GGA") {
    const g = parseGGA(line);
    if (!g.ok) return undefined;
    // GGA field 6: fix quality, kept on the wire (0 = invalid).
    return g.value.fix > 0 && g.value.lat !== null && g.value.lon !== null ? { lat: g.value.lat, lon: g.value.lon, q: g.value.fix } : null;
  }
  if (type === "RMC") {
    const r = parseRMC(line);
    if (!r.ok) return undefined;
    // RMC has no quality field: status A is reported as 1 (GPS fix).
    return r.value.valid && r.value.lat !== null && r.value.lon !== null ? { lat: r.value.lat, lon: r.value.lon, q: 1 } : null;
  }
  return parseNmea(line).ok ? null : undefined;
}
