import type { StoreConfig } from "../config";
import type { Ctx } from "../context";
import { mean } from "../util/stats";
import { MIN } from "../util/time";
import { BIN_MS, type StoreState } from "./state";

/**
 * L7 / T3 tanker reconciliation (I): the pit's volume drop × density over a load against the
 * tonnes the tanker weighed; differ by > 10 % → warn. Judged once the pit has settled
 * (40 min after the load, from 30 min of level before and after); skipped when the expected drop is within 4 σ of level noise.
 */
export function reconcile(ctx: Ctx, cfg: StoreConfig, st: StoreState, te: number): void {
  const th = cfg.thresholds;
  const keep = [];
  for (const l of st.pendingRecon) {
    if (te < l.tEnd + 40 * MIN) {
      keep.push(l);
      continue;
    }
    // Mean of the 10-min medians over 30 min before the load and 30 min after it settled.
    const pre: number[] = [];
    const post: number[] = [];
    for (const [t0, v] of st.bins) {
      if (t0 + BIN_MS <= l.tStart && t0 >= l.tStart - 30 * MIN) pre.push(v);
      if (t0 >= l.tEnd + 5 * MIN && t0 + BIN_MS <= l.tEnd + 35 * MIN) post.push(v);
    }
    const before = pre.length >= 2 ? mean(pre) : null;
    const after = post.length >= 2 ? mean(post) : null;
    const expectedM = l.tonnes / (cfg.density * cfg.surfaceM2);
    if (before === null || after === null || expectedM < 4 * th.levelNoiseM) continue;
    const pitT = (before - after) * cfg.surfaceM2 * cfg.density;
    const diffPct = (100 * Math.abs(pitT - l.tonnes)) / l.tonnes;
    // Noise guard: a 10-min median of ~10 readings has about half the sensor's noise; the
    // difference must also exceed 3 σ of the pit estimate, or a small pit's noise raises L7.
    const sigmaT = 0.5 * th.levelNoiseM * Math.sqrt(1 / pre.length + 1 / post.length) * cfg.surfaceM2 * cfg.density;
    const mismatch = diffPct > th.reconcilePct && Math.abs(pitT - l.tonnes) > 3 * sigmaT;
    st.recons.push({ t: te, tanker: l.tanker, tankerT: l.tonnes, pitT: Math.round(pitT * 100) / 100, diffPct: Math.round(diffPct * 10) / 10 });
    if (st.recons.length > 20) st.recons.shift();
    ctx.alert(te, "L7", `store:${cfg.id}`, cfg.id, mismatch
      ? { s: "on", severity: "warn", messageId: "rules.storage.reconciliation",
          params: { tanker: l.tanker, tankerT: Math.round(l.tonnes * 100) / 100, pitT: Math.round(pitT * 100) / 100, diffPct: Math.round(diffPct) }, value: diffPct }
      : { s: diffPct <= th.reconcilePct * 0.8 ? "off" : "band" });
  }
  st.pendingRecon = keep;
}
