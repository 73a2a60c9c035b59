import { OFF } from "../alerts";
import type { TankerConfig } from "../config";
import type { Ctx } from "../context";
import { median } from "../util/stats";
import { fieldAt, storeAt, type StoreSite } from "./fields";
import type { TankerState } from "./state";

const BIN = 60_000;

/**
 * T2 discharge away from a registered field (I, critical): the 1-min weight medians fall by
 * fallT over fallWindowS (non-increasing within 0.1 t: sloshing averages out in the medians)
 * while the last GNSS fix (≤ positionMaxAgeS old) is outside every registered field and every
 * store with a configured position.
 * Without a recent position the rule cannot judge (the panel shows "no position").
 */
export function onWeight(ctx: Ctx, cfg: TankerConfig, st: TankerState, t: number, w: number, stores: readonly StoreSite[] = []): void {
  const t0 = Math.floor(t / BIN) * BIN;
  if (st.cur === null) st.cur = { t0, vals: [] };
  if (t0 > st.cur.t0) {
    if (st.cur.vals.length > 0) {
      st.bins.push([st.cur.t0, median(st.cur.vals)]);
      const keep = Math.ceil((cfg.thresholds.fallWindowS * 1000) / BIN) + 1;
      while (st.bins.length > keep) st.bins.shift();
      judge(ctx, cfg, st, st.cur.t0 + BIN, stores);
    }
    st.cur = { t0, vals: [] };
  }
  st.cur.vals.push(w);
}

function judge(ctx: Ctx, cfg: TankerConfig, st: TankerState, te: number, stores: readonly StoreSite[]): void {
  const th = cfg.thresholds;
  const subject = `tanker:${cfg.id}`;
  const b = st.bins;
  const first = b[0];
  const last = b[b.length - 1] as [number, number];
  const prev = b[b.length - 2];
  const pos = st.pos !== null && te - st.pos.t <= th.positionMaxAgeS * 1000 ? st.pos : null;
  const field = pos === null ? null : fieldAt(cfg.fields, pos.lat, pos.lon);
  // Slurry returned into a store (its position configured) is not a discharge off site.
  const store = pos === null || field !== null ? null : storeAt(stores, pos.lat, pos.lon);
  // Attribute the signed change since the previous minute to where the tanker is now: over a
  // drive the sloshing cancels out, a discharge adds up where it happens (splits the ledger).
  if (pos !== null && prev !== undefined) {
    const site = field?.id ?? store?.id ?? "";
    st.fallBySite[site] = (st.fallBySite[site] ?? 0) + (prev[1] - last[1]);
    if (field !== null && prev[1] - last[1] > 0) st.fallPos = [pos.lat, pos.lon];
  }
  let monotone = true;
  for (let i = 1; i < b.length; i++) if ((b[i] as [number, number])[1] > (b[i - 1] as [number, number])[1] + 0.1) monotone = false;
  const span = first !== undefined ? last[0] - first[0] : 0;
  st.falling = first !== undefined && span >= th.fallWindowS * 1000 - BIN && first[1] - last[1] >= th.fallT && monotone;
  if (!st.falling) {
    ctx.alert(te, "T2", subject, cfg.id, OFF);
    return;
  }
  const drop = (first as [number, number])[1] - last[1];
  if (pos === null) {
    ctx.alert(te, "T2", subject, cfg.id, { s: "unknown" });
    return;
  }
  ctx.alert(te, "T2", subject, cfg.id, field !== null || store !== null
    ? { s: "off" }
    : { s: "on", severity: "critical", messageId: "rules.tanker.dischargeOffField", params: { lat: pos.lat, lon: pos.lon, fallT: Math.round(drop * 100) / 100 }, value: drop });
}
