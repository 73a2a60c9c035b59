import type { PileConfig } from "../config";
import type { Ctx } from "../context";
import { HOUR } from "../util/time";
import { maxSince, type PileState, type PileView } from "./state";

/**
 * C10: a probe falls > 10 °C within 24 h with no turning logged (rain, moisture, O₂; I).
 * Turnings are often not logged; the curve shows them only when the pile reheats, so the
 * rule waits suddenDropConfirmH for a logged or inferred turning before raising. Judged once
 * the pile has started (a probe reached failedStartC).
 */
export function suddenDrop(ctx: Ctx, pile: PileState, cfg: PileConfig, view: PileView): void {
  const subject = `pile:${cfg.id}`;
  // Only an active pile (one that has reached the start temperature) can drop suddenly; a
  // freshly built pile cooling in winter air is C7's business.
  if (!pile.reached) return;
  let worst = 0;
  for (const p of view.valid) {
    const m = maxSince(p.hourMax, view.t - 24 * HOUR);
    if (m !== null && p.v !== null) worst = Math.max(worst, m - p.v);
  }
  const lim = cfg.thresholds.suddenDropC;
  if (worst <= lim) {
    pile.c10Since = null;
    ctx.alert(view.t, "C10", subject, cfg.id, { s: worst <= lim - 2 ? "off" : "band" });
    return;
  }
  pile.c10Since ??= view.t;
  if (view.t - pile.c10Since < cfg.thresholds.suddenDropConfirmH * HOUR) return;
  const turned = pile.turnings.some((x) => x >= pile.c10Since! - 24 * HOUR && x <= view.t);
  ctx.alert(view.t, "C10", subject, cfg.id, turned
    ? { s: "off" }
    : { s: "on", severity: "warn", messageId: "rules.compost.suddenDrop", params: { dropC: Math.round(worst * 10) / 10, hours: 24 }, value: worst });
}
