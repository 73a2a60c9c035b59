export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Local hour of day (0..24) for a UTC epoch ms and an offset in minutes. */
export function localHour(t: number, utcOffsetMin: number): number {
  const ms = (((t + utcOffsetMin * MIN) % DAY) + DAY) % DAY;
  return ms / HOUR;
}

/** Epoch ms of the local midnight at or before t. */
export function localMidnight(t: number, utcOffsetMin: number): number {
  const off = utcOffsetMin * MIN;
  return Math.floor((t + off) / DAY) * DAY - off;
}
