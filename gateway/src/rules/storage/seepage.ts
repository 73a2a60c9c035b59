import type { StoreConfig } from "../config";
import type { Ctx } from "../context";
import { olsSlope } from "../util/stats";
import { HOUR } from "../util/time";
import { explainedSpans, overlaps } from "./spans";
import { BIN_MS, rainBetween, type NightResult, type StoreState } from "./state";

/**
 * L5 seepage (防渗), the method of Ham 2002 (JEQ 31:1370, V): seepage = depth change −
 * evaporation, measured while inflow is stopped; overnight windows work. A night is QUIET
 * when no pump-out, inflow event, tanker load or rain (within 2 h) touches it; its loss rate
 * is the OLS slope of the 10-min level medians, minus an evaporation allowance (open stores).
 * A night whose slope standard error is too large is inconclusive and neither counts nor
 * breaks the run. Raised when the last `seepageNights` conclusive quiet nights all exceed
 * 3 mm/d (warn) — critical when they all exceed 6 mm/d (Kansas design limits, I).
 */
export function nightWindow(cfg: StoreConfig, te: number, localHourEnd: number): [number, number] | null {
  const th = cfg.thresholds;
  if (Math.abs(localHourEnd - th.nightEndH) > 1e-6 && Math.abs(localHourEnd - th.nightEndH - 24) > 1e-6) return null;
  const len = ((th.nightEndH - th.nightStartH + 24) % 24) * HOUR;
  return len > 0 ? [te - len, te] : null;
}

export function seepage(ctx: Ctx, cfg: StoreConfig, st: StoreState, win: [number, number]): void {
  const [from, to] = win;
  const th = cfg.thresholds;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [t0, v] of st.bins) {
    if (t0 >= from && t0 + BIN_MS <= to) {
      xs.push((t0 - from) / HOUR);
      ys.push(v);
    }
  }
  const expected = (to - from) / BIN_MS;
  const spans = explainedSpans(ctx, cfg, st, from - HOUR, to, ["pump-out", "inflow", "load"]);
  const rain = cfg.rainSensor === undefined ? 0 : rainBetween(st.rain, from - 2 * HOUR, to);
  const quiet = !overlaps(spans, from - HOUR, to) && rain === 0 && xs.length >= 0.8 * expected;
  const fit = olsSlope(xs, ys);
  const evap = th.evaporationMmD ?? (cfg.covered ? 0 : 1);
  const res: NightResult = {
    t: to,
    residualMmD: fit === null ? 0 : -fit.slope * 24 * 1000 - evap,
    seMmD: fit === null ? Infinity : fit.se * 24 * 1000,
    quiet,
    conclusive: false,
  };
  res.conclusive = quiet && fit !== null && res.seMmD <= th.seepageMaxSeMmD;
  if (!Number.isFinite(res.seMmD)) res.seMmD = -1;
  st.nights.push(res);
  if (st.nights.length > 14) st.nights.shift();

  const subject = `store:${cfg.id}`;
  if (!res.conclusive) return;
  const last = st.nights.filter((n) => n.conclusive).slice(-th.seepageNights);
  const full = last.length === th.seepageNights;
  const minRes = Math.min(...last.map((n) => n.residualMmD));
  if (full && minRes > th.seepageWarnMmD) {
    const critical = minRes > th.seepageCritMmD;
    ctx.alert(to, "L5", subject, cfg.id, {
      s: "on", severity: critical ? "critical" : "warn", messageId: "rules.storage.seepage",
      params: { mmPerDay: Math.round(minRes * 10) / 10, nights: th.seepageNights, limitMmD: critical ? th.seepageCritMmD : th.seepageWarnMmD },
      value: minRes,
    });
  } else {
    ctx.alert(to, "L5", subject, cfg.id, { s: res.residualMmD <= th.seepageWarnMmD - 0.5 ? "off" : "band" });
  }
}
