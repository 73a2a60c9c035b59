import { hyst } from "../alerts";
import { freeboardMin, rainRatio, type StoreConfig } from "../config";
import type { Ctx } from "../context";
import { HOUR } from "../util/time";
import { levelAt, type StoreState } from "./state";

/**
 * L1 freeboard minimum (防溢流): earth lagoon 0.75 m, tank 0.30 m (UK SSAFO; NRCS 313 12 in /
 * 6 in, V/S), critical. L2 rain-adjusted: L1 + design storm × rain ratio (NRCS 313 volume
 * logic, GB/T 26624 V = Lw + Ro + P; S/I), warn. L3 overflow imminent: within 0.10 m of the lip
 * and rising (I), critical. Evaluated at every level reading on a 5-reading running median.
 */
export function freeboardRules(ctx: Ctx, cfg: StoreConfig, st: StoreState, t: number, freeboard: number): void {
  const subject = `store:${cfg.id}`;
  const th = cfg.thresholds;
  const fbMin = freeboardMin(cfg);
  const params = { freeboardM: Math.round(freeboard * 1000) / 1000 };

  const l1 = hyst(freeboard, "below", fbMin, fbMin + th.freeboardHystM);
  ctx.alert(t, "L1", subject, cfg.id, l1 === "on"
    ? { s: "on", severity: "critical", messageId: "rules.storage.freeboardLow", params: { ...params, minM: fbMin }, value: freeboard }
    : { s: l1 });

  const ratio = rainRatio(cfg);
  if (ratio > 0 && cfg.designStormMm > 0) {
    const l2min = fbMin + (cfg.designStormMm / 1000) * ratio;
    const l2 = hyst(freeboard, "below", l2min, l2min + th.freeboardHystM);
    ctx.alert(t, "L2", subject, cfg.id, l2 === "on"
      ? { s: "on", severity: "warn", messageId: "rules.storage.freeboardStorm", params: { ...params, minM: Math.round(l2min * 1000) / 1000, stormMm: cfg.designStormMm }, value: freeboard }
      : { s: l2 });
  }

  const hourAgo = levelAt(st.bins, t - HOUR);
  if (hourAgo === null || st.level === null) {
    ctx.alert(t, "L3", subject, cfg.id, { s: "unknown" });
    return;
  }
  const rise = st.level - hourAgo;
  const near = freeboard < th.overflowWithinM;
  const rising = rise > th.levelNoiseM;
  let s: "on" | "off" | "band";
  if (near && rising) s = "on";
  else if (freeboard >= th.overflowWithinM + th.freeboardHystM || rise <= 0) s = "off";
  else s = "band";
  ctx.alert(t, "L3", subject, cfg.id, s === "on"
    ? { s, severity: "critical", messageId: "rules.storage.overflowImminent", params: { ...params, risePerHourM: Math.round(rise * 1000) / 1000 }, value: freeboard }
    : { s });
}
