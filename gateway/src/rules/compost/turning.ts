import type { PileConfig } from "../config";
import type { Ctx } from "../context";
import { HOUR } from "../util/time";
import type { PileState, PileView } from "./state";

/**
 * Turnings inferred from the curve (domain-rules.md): a sharp drop on ALL valid probes (each
 * falls ≥ turnDropC below its 2-h maximum), then the hottest probe reheats by ≥ turnReheatC
 * within 24 h. Returns the inferred turning's time (the drop) when confirmed, else null.
 * A logged turning within 3 h of the drop makes the inference unnecessary.
 */
export function inferTurning(ctx: Ctx, pile: PileState, cfg: PileConfig, view: PileView): number | null {
  const th = cfg.thresholds;
  const last = pile.turnings[pile.turnings.length - 1];
  if (pile.turnCand === null) {
    if (last !== undefined && view.t - last < 6 * HOUR) return null;
    if (view.valid.length === 0) return null;
    const allDropped = view.valid.every((p) => {
      let m = -Infinity;
      for (const [, v] of p.hist) if (v > m) m = v;
      return p.v !== null && m - p.v >= th.turnDropC;
    });
    if (allDropped) pile.turnCand = { t: view.t, min: view.max };
    return null;
  }
  const c = pile.turnCand;
  c.min = Math.min(c.min, view.max);
  if (view.max >= c.min + th.turnReheatC) {
    pile.turnCand = null;
    const logged = ctx.eventsBetween(cfg.id, ["turning"], c.t - 3 * HOUR, c.t + 3 * HOUR).some((e) => !e.inferred);
    if (logged || pile.turnings.some((x) => Math.abs(x - c.t) < 3 * HOUR)) return null;
    return c.t;
  }
  if (view.t - c.t > 24 * HOUR) pile.turnCand = null;
  return null;
}
