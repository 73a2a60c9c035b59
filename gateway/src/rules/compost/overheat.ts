import { OFF } from "../alerts";
import type { PileConfig } from "../config";
import type { Ctx } from "../context";
import { HOUR } from "../util/time";
import type { PileState, PileView } from "./state";

/** C5: any probe > 65 °C → turn or aerate (NY/T 3442-2019, R). Hysteresis 1 °C. */
export function overheat(ctx: Ctx, cfg: PileConfig, view: PileView): void {
  const thr = cfg.thresholds.overheatC;
  const s = view.max > thr ? "on" : view.max <= thr - 1 ? "off" : "band";
  ctx.alert(view.t, "C5", `pile:${cfg.id}`, cfg.id, s === "on"
    ? { s, severity: "warn", messageId: "rules.compost.overheat", params: { maxC: view.max, thresholdC: thr }, value: view.max }
    : { s });
}

/** C6: any probe > 70 °C for > 6 h: fire risk, nitrogen loss (I). */
export function severeOverheat(ctx: Ctx, pile: PileState, cfg: PileConfig, view: PileView): void {
  const thr = cfg.thresholds.severeOverheatC;
  const subject = `pile:${cfg.id}`;
  if (view.max > thr) {
    pile.c6Since ??= view.t;
    if (view.t - pile.c6Since > cfg.thresholds.severeOverheatH * HOUR) {
      ctx.alert(view.t, "C6", subject, cfg.id, {
        s: "on", severity: "critical", messageId: "rules.compost.severeOverheat",
        params: { maxC: view.max, thresholdC: thr, hours: Math.round((view.t - pile.c6Since) / HOUR) }, value: view.max,
      });
    }
  } else if (view.max <= thr - 1) {
    pile.c6Since = null;
    ctx.alert(view.t, "C6", subject, cfg.id, OFF);
  } else {
    ctx.alert(view.t, "C6", subject, cfg.id, { s: "band" });
  }
}
