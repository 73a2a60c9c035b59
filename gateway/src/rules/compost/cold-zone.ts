import type { PileConfig } from "../config";
import type { Ctx } from "../context";
import { HOUR } from "../util/time";
import type { PileState, PileView } from "./state";

/**
 * C8: spread between probes > 10 °C while the core qualifies (APHIS spirit, S/I): part of the
 * pile is not being sanitised. Must persist coldZonePersistH (a turning mixes the pile for a
 * while); clears when the spread is back under 8 °C or the core no longer qualifies.
 */
export function coldZone(ctx: Ctx, pile: PileState, cfg: PileConfig, view: PileView, qualifyC: number): void {
  const subject = `pile:${cfg.id}`;
  if (view.valid.length < 2 || view.coreMax === null) {
    ctx.alert(view.t, "C8", subject, cfg.id, { s: "unknown" });
    return;
  }
  const spread = view.max - view.min;
  const core = view.coreMax >= qualifyC;
  const lim = cfg.thresholds.coldZoneSpreadC;
  if (core && spread > lim) {
    pile.c8Since ??= view.t;
    if (view.t - pile.c8Since >= cfg.thresholds.coldZonePersistH * HOUR) {
      ctx.alert(view.t, "C8", subject, cfg.id, {
        s: "on", severity: "warn", messageId: "rules.compost.coldZone",
        params: { spreadC: Math.round(spread * 10) / 10, coolestC: view.min, coreC: view.coreMax }, value: spread,
      });
    }
    return;
  }
  pile.c8Since = null;
  ctx.alert(view.t, "C8", subject, cfg.id, { s: !core || spread <= lim - 2 ? "off" : "band" });
}
