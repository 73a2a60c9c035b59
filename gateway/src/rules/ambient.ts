/** Hourly ambient means [hour start, sum, n] for the maturity rule (24-h running mean). */
export type AmbientSeries = [number, number, number][];

export function pushAmbient(s: AmbientSeries, t: number, v: number): void {
  const h = Math.floor(t / 3_600_000) * 3_600_000;
  const last = s[s.length - 1];
  if (last !== undefined && last[0] === h) {
    last[1] += v;
    last[2] += 1;
  } else s.push([h, v, 1]);
  while (s.length > 0 && (s[0] as [number, number, number])[0] <= h - 24 * 3_600_000) s.shift();
}

/** Mean of the last 24 hourly means at t, null with fewer than 12 hours of data. */
export function ambientMean(s: AmbientSeries | undefined, t: number): number | null {
  if (s === undefined) return null;
  let sum = 0;
  let n = 0;
  for (const [h, a, c] of s) {
    if (h > t - 24 * 3_600_000 && h <= t) {
      sum += a / c;
      n++;
    }
  }
  return n >= 12 ? sum / n : null;
}

/** Mean of the hourly means with hour start in [from, to), null with none. */
export function ambientBetween(s: AmbientSeries | undefined, from: number, to: number): number | null {
  if (s === undefined) return null;
  let sum = 0;
  let n = 0;
  for (const [h, a, c] of s) {
    if (h >= from && h < to) {
      sum += a / c;
      n++;
    }
  }
  return n === 0 ? null : sum / n;
}
