import type { PileConfig } from "../config";
import type { Ctx } from "../context";
import { DAY } from "../util/time";
import type { PileState, PileView } from "./state";

/**
 * C11: maturity candidate (NY/T 3442 / CCME, R/I). After the harmlessness clock is met, all
 * probes ≤ ambient (24-h mean) + 8 °C for ≥ 3 d and no reheating after a turning made in that
 * cool period →
 * ask for a lab germination-index test (GI ≥ 70 %).
 */
export function maturity(ctx: Ctx, pile: PileState, cfg: PileConfig, view: PileView, harmless: boolean, ambientMean: number | null): void {
  const subject = `pile:${cfg.id}`;
  const c = pile.c11;
  if (c.postTurnMin !== null) {
    c.postTurnMin = Math.min(c.postTurnMin, view.max);
    if (view.max >= c.postTurnMin + cfg.thresholds.turnReheatC) c.reheated = true;
  }
  if (!harmless || ambientMean === null) {
    ctx.alert(view.t, "C11", subject, cfg.id, { s: harmless ? "unknown" : "off" });
    return;
  }
  const cool = view.max <= ambientMean + cfg.thresholds.maturityAboveAmbientC;
  if (!cool) c.coolSince = null;
  else if (c.coolSince === null) {
    // Only turnings made once the pile has cooled test maturity (an active pile always reheats).
    c.coolSince = view.t;
    c.reheated = false;
    c.postTurnMin = null;
  }
  const ok = c.coolSince !== null && view.t - c.coolSince >= cfg.thresholds.maturityDays * DAY && !c.reheated;
  ctx.alert(view.t, "C11", subject, cfg.id, ok
    ? { s: "on", severity: "info", messageId: "rules.compost.maturityCandidate", params: { maxC: view.max, ambientC: Math.round(ambientMean * 10) / 10, giPct: 70 }, value: view.max }
    : { s: cool ? "band" : "off" });
}

/** A turning after the clock is met is a maturity test: the pile must not reheat after it. */
export function maturityOnTurning(pile: PileState, harmless: boolean): void {
  if (!harmless) return;
  pile.c11.postTurnMin = 1e9;
  pile.c11.reheated = false;
  pile.c11.coolSince = null;
}
