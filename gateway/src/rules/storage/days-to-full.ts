import { freeboardMin, localDateMs, type StoreConfig } from "../config";
import type { Ctx } from "../context";
import { median } from "../util/stats";
import { DAY, HOUR } from "../util/time";
import { explainedSpans, overlaps } from "./spans";
import { BIN_MS, type StoreState } from "./state";

/**
 * L4 days to full (local rules: ≥ 30 d reserve, S/I). Net inflow rate from the last 7 days,
 * made robust: per 24-h period, the sum of 10-min level changes EXCLUDING intervals with a
 * pump-out, a tanker load, an inflow-free anomaly, or rain (within 2 h), scaled to the whole
 * period when at least half of it is usable; the rate is the MEDIAN of those daily rates
 * (one odd day cannot move it). Remaining = freeboard above the L1 minimum.
 */
export function estimateRate(ctx: Ctx, cfg: StoreConfig, st: StoreState, te: number): number | null {
  const from = te - 7 * DAY;
  const spans = explainedSpans(ctx, cfg, st, from, te, ["pump-out", "load"]);
  // Bins touched by rain, or within 2 h after it: their level change is not inflow.
  const rainy = new Set<number>();
  for (const [t0, mm] of st.rain) {
    if (mm <= 0 || t0 < from - 2 * HOUR) continue;
    for (let b = t0; b <= t0 + 2 * HOUR; b += BIN_MS) rainy.add(b);
  }
  const perDay = 24 * 6;
  const sums = new Array<number>(7).fill(0);
  const counts = new Array<number>(7).fill(0);
  const bins = st.bins;
  for (let i = bins.length - 1; i > 0; i--) {
    const [t1, v1] = bins[i] as [number, number];
    const [t0, v0] = bins[i - 1] as [number, number];
    if (t0 < from) break;
    if (t1 - t0 !== BIN_MS) continue;
    if (rainy.has(t0) || rainy.has(t1) || (spans.length > 0 && overlaps(spans, t0, t1 + BIN_MS))) continue;
    const k = Math.floor((te - (t1 + BIN_MS)) / DAY);
    if (k < 0 || k > 6) continue;
    sums[k] = (sums[k] as number) + (v1 - v0);
    counts[k] = (counts[k] as number) + 1;
  }
  const rates: number[] = [];
  for (let k = 0; k < 7; k++) if ((counts[k] as number) >= perDay / 2) rates.push(((sums[k] as number) * perDay) / (counts[k] as number));
  return rates.length >= 3 ? median(rates) : null;
}

export function daysToFull(ctx: Ctx, cfg: StoreConfig, st: StoreState, te: number, freeboard: number, utcOffsetMin: number): void {
  const subject = `store:${cfg.id}`;
  const rate = estimateRate(ctx, cfg, st, te);
  st.rateMD = rate;
  if (rate === null) {
    st.daysToFull = null;
    ctx.alert(te, "L4", subject, cfg.id, { s: "unknown" });
    return;
  }
  const room = Math.max(0, freeboard - freeboardMin(cfg));
  const days = rate > 0 ? room / rate : null;
  st.daysToFull = days;
  const planned = nextPlanned(ctx, cfg, te, utcOffsetMin);
  const fullAt = days === null ? null : te + days * DAY;
  const lim = cfg.thresholds.daysToFullMin;
  const beforePlanned = fullAt !== null && planned !== null && fullAt < planned;
  const on = (days !== null && days < lim) || beforePlanned;
  const off = (days === null || days >= lim * 1.1) && (fullAt === null || planned === null || fullAt >= planned + 2 * DAY);
  ctx.alert(te, "L4", subject, cfg.id, on
    ? { s: "on", severity: "warn", messageId: beforePlanned && !(days !== null && days < lim) ? "rules.storage.fullBeforeEmptying" : "rules.storage.daysToFull",
        params: { days: days === null ? null : Math.round(days * 10) / 10, minDays: lim, plannedEmptying: planned, rateMmD: Math.round(rate * 10000) / 10 }, value: days }
    : { s: off ? "off" : "band" });
}

export function nextPlanned(ctx: Ctx, cfg: StoreConfig, t: number, utcOffsetMin: number): number | null {
  let best: number | null = null;
  for (const d of cfg.plannedEmptying) {
    const ms = localDateMs(d, utcOffsetMin);
    if (ms > t && (best === null || ms < best)) best = ms;
  }
  for (const e of ctx.eventsBetween(cfg.id, ["pump-out-planned"], -Infinity, Infinity)) {
    const at = (e.data as { at?: unknown } | undefined)?.at;
    const ms = typeof at === "number" ? at : e.t;
    if (ms > t && (best === null || ms < best)) best = ms;
  }
  return best;
}
