import { rainRatio, type StoreConfig } from "../config";
import type { Ctx } from "../context";
import { HOUR } from "../util/time";
import { explainedSpans, overlaps } from "./spans";
import { levelAt, rainBetween, type StoreState } from "./state";

/**
 * Rain rules over a window of rainWindowH ending at te, from the rain gauge:
 * L8 (防雨, covered store): rise during rain beyond noise and beyond what the declared
 *   catchment explains (≈ 0 for a covered store without catchment) (I).
 * L9 (雨污分流, open store): rise > 1.2 × rainfall × (surface + catchment) / surface (I):
 *   runoff from an undeclared catchment is getting in.
 * The level change is corrected by the robust inflow rate (L4); windows with a pump-out,
 * inflow event or tanker load are not judged.
 */
export function rainRules(ctx: Ctx, cfg: StoreConfig, st: StoreState, te: number): void {
  if (cfg.rainSensor === undefined) return;
  const th = cfg.thresholds;
  const rule = cfg.covered ? "L8" : "L9";
  const subject = `store:${cfg.id}`;
  const from = te - th.rainWindowH * HOUR;
  const mm = rainBetween(st.rain, from, te);
  if (mm < th.rainMinMm) {
    ctx.alert(te, rule, subject, cfg.id, { s: "off" });
    return;
  }
  const a = levelAt(st.bins, from);
  const b = levelAt(st.bins, te - 1);
  if (a === null || b === null || overlaps(explainedSpans(ctx, cfg, st, from, te, ["pump-out", "inflow", "load"]), from, te)) {
    ctx.alert(te, rule, subject, cfg.id, { s: "unknown" });
    return;
  }
  const inflow = Math.max(0, st.rateMD ?? 0) * (th.rainWindowH / 24);
  const rise = b - a - inflow;
  const expected = (mm / 1000) * rainRatio(cfg);
  const noise = th.rainRiseNoiseM;
  let s: "on" | "off" | "band";
  if (cfg.covered) s = rise - expected > noise ? "on" : rise - expected <= noise / 2 ? "off" : "band";
  else s = rise > th.runoffFactor * expected && rise - expected > noise ? "on" : rise <= expected + noise / 2 ? "off" : "band";
  ctx.alert(te, rule, subject, cfg.id, s === "on"
    ? { s, severity: "warn", messageId: cfg.covered ? "rules.storage.rainIngress" : "rules.storage.runoff",
        params: { rainMm: Math.round(mm * 10) / 10, riseMm: Math.round(rise * 1000), expectedMm: Math.round(expected * 1000) }, value: rise }
    : { s });
}
