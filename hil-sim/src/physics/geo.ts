/** Small-distance geodesy for a farm and its fields (WGS84 degrees in, metres out). */

export interface LatLon {
  lat: number;
  lon: number;
}

/** IUGG mean Earth radius, m. */
const R = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance by the haversine formula, m. */
export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees true 0..360. */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const y = Math.sin((b.lon - a.lon) * RAD) * Math.cos(b.lat * RAD);
  const x = Math.cos(a.lat * RAD) * Math.sin(b.lat * RAD) - Math.sin(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.cos((b.lon - a.lon) * RAD);
  return ((Math.atan2(y, x) / RAD) % 360 + 360) % 360;
}

/** The point a fraction f of the way from a to b (linear in degrees: fine over a few km). */
export function lerp(a: LatLon, b: LatLon, f: number): LatLon {
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
}

/** Ray-casting point-in-polygon test on lat/lon (polygon vertices in order, not closed). */
export function inPolygon(p: LatLon, poly: readonly LatLon[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i];
    const b = poly[j];
    if (a.lat > p.lat !== b.lat > p.lat && p.lon < ((b.lon - a.lon) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lon) inside = !inside;
  }
  return inside;
}

/** 1 mu (亩) = 666.67 m² (1/15 ha). */
export const M2_PER_MU = 10_000 / 15;
