/**
 * The rain chart's bars: rain (mm) per hour or per day from a rain gauge's readings.
 *
 * A gauge reports a running total since its last reset (or each interval's tips), which an
 * operator cannot read as rainfall; the bars are its increments, computed by the rules engine's
 * own function (gateway/src/rules/storage/rain-counter.ts), so a storm on the chart is the rain
 * that rules L2/L8/L9 and the seepage estimate counted.
 */
import { rainMm, type RainGauge } from "../../src/rules/storage/rain-counter";
import type { Readings } from "./types";

const H = 3_600_000;
const D = 24 * H;

/** Bars of an hour for spans up to two days, of a day beyond. */
export function rainBin(spanMs: number): number {
  return spanMs <= 2 * D ? H : D;
}

/**
 * Rain per bin, [bin start (ms), mm], oldest first; a bin appears when at least one increment
 * fell in it (0 when it stayed dry), so a gap in the data stays a gap.
 * Raw readings: each increment is the rain between a reading and the previous one, counted at
 * the later reading. Rollups: a bucket's `last` is the counter at its end, so a bucket's rain
 * is the increment from the previous bucket's `last` (for an interval gauge, the tips of the
 * bucket: avg × count). Bins start at local midnight of `utcOffsetMin` (days) or on the hour.
 */
export function rainBars(r: Readings, g: RainGauge, binMs: number, utcOffsetMin: number): [number, number][] {
  const steps: [number, number | null][] =
    r.res === "raw" ? r.points.map((p) => [p.t, p.value]) : r.points.map((p) => [p.t, g.rainCounter === "interval" ? p.avg * p.count : p.last]);
  const off = utcOffsetMin * 60_000;
  const out: [number, number][] = [];
  let prev: number | null = null;
  for (const [t, v] of steps) {
    if (v === null) continue;
    const mm = rainMm(g, prev, v);
    prev = v;
    if (mm === null) continue;
    const bin = Math.floor((t + off) / binMs) * binMs - off;
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === bin) last[1] += mm;
    else out.push([bin, mm]);
  }
  // Sums of 0.2 mm steps: keep them as the gauge's resolution shows them (0.6, not 0.6000000000000001).
  for (const b of out) b[1] = Math.round(b[1] * 1000) / 1000;
  return out;
}
