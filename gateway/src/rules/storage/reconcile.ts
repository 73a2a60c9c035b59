import type { StoreConfig } from "../config";
import type { Ctx } from "../context";
import { MIN } from "../util/time";
import { BIN_MS, type StoreState } from "./state";

/**
 * L7 / T3 tanker reconciliation (I): the pit's volume drop × density over a load against the
 * tonnes the tanker weighed; differ by > 10 % → warn. Judged once the pit has settled
 * (20 min after the load); skipped when the expected drop is within 4 σ of level noise.
 */
export function reconcile(ctx: Ctx, cfg: StoreConfig, st: StoreState, te: number): void {
  const th = cfg.thresholds;
  const keep = [];
  for (const l of st.pendingRecon) {
    if (te < l.tEnd + 30 * MIN) {
      keep.push(l);
      continue;
    }
    let before: number | null = null;
    let after: number | null = null;
    for (const [t0, v] of st.bins) {
      if (t0 + BIN_MS <= l.tStart && t0 + BIN_MS >= l.tStart - 40 * MIN) before = v;
      if (after === null && t0 >= l.tEnd + 5 * MIN && t0 <= l.tEnd + 40 * MIN) after = v;
    }
    const expectedM = l.tonnes / (cfg.density * cfg.surfaceM2);
    if (before === null || after === null || expectedM < 4 * th.levelNoiseM) continue;
    const pitT = (before - after) * cfg.surfaceM2 * cfg.density;
    const diffPct = (100 * Math.abs(pitT - l.tonnes)) / l.tonnes;
    st.recons.push({ t: te, tanker: l.tanker, tankerT: l.tonnes, pitT: Math.round(pitT * 100) / 100, diffPct: Math.round(diffPct * 10) / 10 });
    if (st.recons.length > 20) st.recons.shift();
    ctx.alert(te, "L7", `store:${cfg.id}`, cfg.id, diffPct > th.reconcilePct
      ? { s: "on", severity: "warn", messageId: "rules.storage.reconciliation",
          params: { tanker: l.tanker, tankerT: Math.round(l.tonnes * 100) / 100, pitT: Math.round(pitT * 100) / 100, diffPct: Math.round(diffPct) }, value: diffPct }
      : { s: diffPct <= th.reconcilePct * 0.8 ? "off" : "band" });
  }
  st.pendingRecon = keep;
}
