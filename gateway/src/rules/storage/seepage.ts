import type { StoreConfig } from "../config";
import type { Ctx } from "../context";
import { DAY, HOUR, localMidnight } from "../util/time";
import { explainedSpans, overlaps } from "./spans";
import { BIN_MS, rainBetween, type FitStats, type NightResult, type StoreState } from "./state";

/**
 * L5 seepage (防渗), the method of Ham 2002 (JEQ 31:1370, V): seepage = depth change −
 * evaporation, measured while inflow is stopped; overnight windows work (night evaporation
 * 0.2–2.2 mm). Each night window (local nightStartH–nightEndH) accumulates the raw level
 * readings; a night is QUIET when no pump-out, inflow event, tanker load or rain (within
 * 2 h) touches it and the level covers ≥ 80 % of it. The loss rate is a least-squares slope
 * POOLED over the last `seepageNights` quiet nights (common slope, one intercept per night),
 * minus an evaporation allowance for open stores (evaporationAllowance): a single night of a
 * few-mm sensor cannot resolve 3 mm/d (0.9 mm over 7 h), three pooled nights can. Raised when
 * the pooled residual exceeds 3 mm/d (warn) or 6 mm/d (critical) (Kansas design limits, I),
 * its standard error is under seepageMaxSeMmD (else inconclusive: nothing changes), and each
 * of the nights is consistent with exceeding the limit (own residual > limit − 2 SE). Nights
 * whose level moved in a step rather than a line are not seepage nights.
 */
function emptyStats(): FitStats {
  return { n: 0, sx: 0, sy: 0, sxx: 0, sxy: 0, syy: 0 };
}

/** Window [from, to] of the night that contains t, or null when t is daytime. */
export function nightAt(cfg: StoreConfig, t: number, utcOffsetMin: number): [number, number] | null {
  const th = cfg.thresholds;
  const mid = localMidnight(t, utcOffsetMin);
  for (const base of [mid - DAY, mid]) {
    const from = base + th.nightStartH * HOUR;
    let to = base + th.nightEndH * HOUR;
    if (to <= from) to += DAY;
    if (t >= from && t < to) return [from, to];
  }
  return null;
}

/** Add a raw valid level (m) taken at t to the current night's fit. */
export function seepageSample(cfg: StoreConfig, st: StoreState, t: number, level: number, utcOffsetMin: number): void {
  const w = nightAt(cfg, t, utcOffsetMin);
  if (w === null) return;
  if (st.night === null || st.night.from !== w[0]) st.night = { from: w[0], to: w[1], y0: level, stats: emptyStats() };
  const x = (t - w[0]) / HOUR;
  const y = (level - st.night.y0) * 1000;
  const s = st.night.stats;
  s.n++;
  s.sx += x;
  s.sy += y;
  s.sxx += x * x;
  s.sxy += x * y;
  s.syy += y * y;
}

/**
 * Night evaporation allowance, mm/d (I). Configured, else 0 for a covered store, else from the
 * night's mean air temperature when the store has an ambient sensor: 0.12 mm/d per °C above
 * −3 °C (40 % of a daily open-water evaporation of 0.3 mm/d per °C, the share that falls at
 * night), held inside Ham's measured night range of 0.2–2.2 mm; 1 mm/d without a sensor.
 */
export function evaporationAllowance(cfg: StoreConfig, nightAirC: number | null): number {
  if (cfg.thresholds.evaporationMmD !== undefined) return cfg.thresholds.evaporationMmD;
  if (cfg.covered) return 0;
  if (nightAirC === null) return 1;
  return Math.min(2.2, Math.max(0.2, 0.12 * (nightAirC + 3)));
}

/** Called when the bin ending at te closes; judges the night that ends at te, if any. */
export function seepageAtBinEnd(ctx: Ctx, cfg: StoreConfig, st: StoreState, te: number, nightAirC: (from: number, to: number) => number | null): void {
  const n = st.night;
  if (n === null || n.to !== te) return;
  st.night = null;
  const th = cfg.thresholds;
  const bins = st.bins.filter(([t0]) => t0 >= n.from && t0 + BIN_MS <= n.to).length;
  const spans = explainedSpans(ctx, cfg, st, n.from - HOUR, n.to, ["pump-out", "inflow", "load"]);
  const rain = cfg.rainSensor === undefined ? 0 : rainBetween(st.rain, n.from - 2 * HOUR, n.to);
  const quiet = !overlaps(spans, n.from - HOUR, n.to) && rain === 0 && bins >= 0.8 * ((n.to - n.from) / BIN_MS);
  const evap = evaporationAllowance(cfg, nightAirC(n.from, n.to));
  const own = pooled([n.stats]);
  // A night whose level did not move along a line (a step: an unlogged pump-out, a tanker
  // fill) is not a seepage night, whatever its slope says; L6 deals with steps.
  const steady = own !== null && own.se * 24 <= 3 * th.seepageMaxSeMmD;
  const night: NightResult = {
    t: n.to, quiet: quiet && steady, stats: n.stats, evapMmD: round1(evap),
    residualMmD: own === null ? null : round1(-own.slope * 24 - evap), seMmD: own === null ? null : round1(own.se * 24),
  };
  st.nights.push(night);
  if (st.nights.length > 14) st.nights.shift();
  if (!night.quiet) return;

  const last = st.nights.filter((x) => x.quiet).slice(-th.seepageNights);
  if (last.length < th.seepageNights) return;
  const fit = pooled(last.map((x) => x.stats));
  if (fit === null) return;
  // Each night's own allowance: residual = pooled loss − mean allowance of the pooled nights.
  const allowance = last.reduce((a, x) => a + (x.evapMmD ?? evap), 0) / last.length;
  const residual = -fit.slope * 24 - allowance;
  const se = fit.se * 24;
  st.seepage = { residualMmD: round1(residual), seMmD: round1(se), nights: last.length };
  if (se > th.seepageMaxSeMmD) return; // inconclusive: the sensor is too noisy to tell
  // "On ≥ 3 consecutive nights": the pooled loss exceeds the limit AND every one of the nights
  // is consistent with exceeding it (its own residual within 2 of its standard errors).
  const every = (limit: number) => last.every((x) => x.residualMmD !== null && x.residualMmD > limit - 2 * (x.seMmD ?? 0));
  const subject = `store:${cfg.id}`;
  if (residual > th.seepageWarnMmD && every(th.seepageWarnMmD)) {
    const critical = residual > th.seepageCritMmD && every(th.seepageCritMmD);
    ctx.alert(te, "L5", subject, cfg.id, {
      s: "on", severity: critical ? "critical" : "warn", messageId: "rules.storage.seepage",
      params: { mmPerDay: round1(residual), seMmD: round1(se), nights: last.length, limitMmD: critical ? th.seepageCritMmD : th.seepageWarnMmD },
      value: residual,
    });
  } else {
    ctx.alert(te, "L5", subject, cfg.id, { s: residual <= th.seepageWarnMmD - 0.5 ? "off" : "band" });
  }
}

/** Least squares with one common slope (mm/h) and one intercept per night. */
function pooled(nights: readonly FitStats[]): { slope: number; se: number } | null {
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let n = 0;
  for (const s of nights) {
    if (s.n < 3) continue;
    sxx += s.sxx - (s.sx * s.sx) / s.n;
    sxy += s.sxy - (s.sx * s.sy) / s.n;
    syy += s.syy - (s.sy * s.sy) / s.n;
    n += s.n;
  }
  const df = n - nights.length - 1;
  if (sxx <= 0 || df <= 0) return null;
  const slope = sxy / sxx;
  const sse = Math.max(0, syy - slope * sxy);
  return { slope, se: Math.sqrt(sse / df / sxx) };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
