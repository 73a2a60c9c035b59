import { OFF } from "../alerts";
import type { PileConfig } from "../config";
import type { Ctx } from "../context";
import { DAY } from "../util/time";
import type { PileState, PileView } from "./state";

/** C7: no probe ≥ 45 °C within 5 d of building: too wet, too cold (I). */
export function failedStart(ctx: Ctx, pile: PileState, cfg: PileConfig, view: PileView): void {
  if (view.max >= cfg.thresholds.failedStartC) pile.reached = true;
  const subject = `pile:${cfg.id}`;
  if (pile.reached) {
    ctx.alert(view.t, "C7", subject, cfg.id, OFF);
    return;
  }
  if (pile.built !== null && view.t - pile.built >= cfg.thresholds.failedStartDays * DAY) {
    ctx.alert(view.t, "C7", subject, cfg.id, {
      s: "on", severity: "warn", messageId: "rules.compost.failedStart",
      params: { maxC: view.max, thresholdC: cfg.thresholds.failedStartC, days: cfg.thresholds.failedStartDays }, value: view.max,
    });
  }
}
