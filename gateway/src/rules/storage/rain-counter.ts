/**
 * Rainfall from a tipping-bucket rain gauge's readings. One function for the rules engine (L2,
 * L4, L5, L8, L9 take rain from it: store.ts) and the operator panel's rain chart
 * (gateway/panel/src/rain.ts), so the chart shows the rain the rules saw.
 *
 * The shipped register map (protocol/maps/rain-gauge.json) scales tips to mm on the node, so its
 * readings are cumulative mm and `rainMmPerCount` is 1. A map that reports raw tips needs the
 * bucket size (0.1, 0.2 or 0.5 mm). A gauge may report a running total (`cumulative`) or the
 * tips of its last interval (`interval`).
 */
export interface RainGauge {
  rainCounter: "cumulative" | "interval";
  rainMmPerCount: number;
}

/** More than this between two readings is a glitch of the counter, not rain (the record hourly rainfall in China is about 200 mm). */
export const RAIN_STEP_MAX_MM = 300;

/**
 * Rain (mm) that fell between the reading `prev` and the reading `raw`; for an `interval`
 * gauge, the rain of `raw` alone. null when it cannot be told: a cumulative gauge's first
 * reading, or an implausible step (over RAIN_STEP_MAX_MM).
 * A decrease of a cumulative counter is a wrap of a 16-bit counter when the previous value
 * was near 65 535, else a reset of the gauge (power cycle): the rain since the reset is `raw`.
 */
export function rainMm(g: RainGauge, prev: number | null, raw: number): number | null {
  let counts: number;
  if (g.rainCounter === "interval") counts = raw;
  else {
    if (prev === null) return null;
    counts = raw - prev;
    if (counts < 0) counts = prev > 60_000 ? raw + 65_536 - prev : raw;
  }
  const mm = counts * g.rainMmPerCount;
  return mm < 0 || mm > RAIN_STEP_MAX_MM ? null : mm;
}
