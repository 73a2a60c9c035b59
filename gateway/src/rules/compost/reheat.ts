import { OFF } from "../alerts";
import type { PileConfig } from "../config";
import type { Ctx } from "../context";
import { HOUR } from "../util/time";
import { maxSince, type PileState, type PileView } from "./state";

/**
 * C9: in the thermophilic phase (hottest probe ≥ 55 °C in the 24 h before the turning), no
 * return to ≥ 55 °C within 48 h of a turning (Japanese practice, V/I): the pile lacks
 * something (moisture, oxygen, easily degradable carbon).
 */
export function onTurning(pile: PileState, cfg: PileConfig, turnT: number): void {
  const before = maxSince(pile.hourMax, turnT - 24 * HOUR);
  pile.c9 = { turn: turnT, reheated: false, thermophilic: before !== null && before >= cfg.thresholds.reheatC };
}

export function noReheat(ctx: Ctx, pile: PileState, cfg: PileConfig, view: PileView): void {
  const subject = `pile:${cfg.id}`;
  const c = pile.c9;
  if (c === null || !c.thermophilic) return;
  if (!c.reheated && view.t > c.turn + HOUR && view.max >= cfg.thresholds.reheatC) c.reheated = true;
  if (c.reheated) {
    ctx.alert(view.t, "C9", subject, cfg.id, OFF);
  } else if (view.t - c.turn > cfg.thresholds.reheatWithinH * HOUR) {
    ctx.alert(view.t, "C9", subject, cfg.id, {
      s: "on", severity: "info", messageId: "rules.compost.noReheat",
      params: { turnedAt: c.turn, maxC: view.max, thresholdC: cfg.thresholds.reheatC, hours: cfg.thresholds.reheatWithinH }, value: view.max,
    });
  }
}
