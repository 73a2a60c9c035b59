import { OFF } from "../alerts";
import type { TankerConfig } from "../config";
import type { Ctx } from "../context";
import { median } from "../util/stats";
import { fieldAt, storeAt, type StoreSite } from "./fields";
import type { TankerState } from "./state";

const BIN = 60_000;

/**
 * T2 discharge away from a registered field (I, critical): the weight, as medians of three
 * one-minute medians (sloshing averages out), falls by fallT over fallWindowS, non-increasing
 * within 0.1 t,
 * while the tanker was outside every registered field and every store with a configured
 * position for the whole of the last two minutes (fixes ≤ positionMaxAgeS old), and at least
 * half of fallT fell between minutes spent away. Judging on the minutes in which the weight
 * fell, not the position now, keeps a tanker that finishes
 * spreading and drives off from looking like a discharge on the road. Without a position the
 * rule cannot judge. The same per-minute sites split the unload in the ledger.
 * The fall must then hold for holdS (the weight stays fallT below where it was): a tanker's
 * load sloshing while it drives (a few % of the load, tens of seconds long) can fall 1 t over
 * three minutes and comes back; a discharge stays down.
 */
/** Returns true when a one-minute bin closed. */
export function onWeight(ctx: Ctx, cfg: TankerConfig, st: TankerState, t: number, w: number, stores: readonly StoreSite[] = []): boolean {
  let closed = false;
  const t0 = Math.floor(t / BIN) * BIN;
  if (st.cur === null) st.cur = { t0, vals: [], site: null };
  if (t0 > st.cur.t0) {
    if (st.cur.vals.length > 0) {
      st.bins.push([st.cur.t0, median(st.cur.vals), st.cur.site]);
      const keep = Math.ceil((cfg.thresholds.fallWindowS * 1000) / BIN) + 3;
      while (st.bins.length > keep) st.bins.shift();
      judge(ctx, cfg, st, st.cur.t0 + BIN);
      closed = true;
    }
    st.cur = { t0, vals: [], site: null };
  }
  st.cur.vals.push(w);
  // Where the tanker is during this minute: a field or store id wins over "" (outside).
  const pos = st.pos !== null && t - st.pos.t <= cfg.thresholds.positionMaxAgeS * 1000 ? st.pos : null;
  if (pos !== null && (st.cur.site === null || st.cur.site === "")) {
    const here = fieldAt(cfg.fields, pos.lat, pos.lon)?.id ?? storeAt(stores, pos.lat, pos.lon)?.id ?? "";
    st.cur.site = here;
    if (here !== "" && cfg.fields.some((f) => f.id === here)) st.fallPos = [pos.lat, pos.lon];
  }
  return closed;
}

function judge(ctx: Ctx, cfg: TankerConfig, st: TankerState, te: number): void {
  const th = cfg.thresholds;
  const subject = `tanker:${cfg.id}`;
  const b = st.bins;
  const last = b[b.length - 1] as [number, number, string | null];
  const prev = b[b.length - 2];
  // Medians of three consecutive minutes: a sloshing spike moves nothing.
  const m3: number[] = [];
  for (let i = 2; i < b.length; i++) m3.push(median([b[i - 2]![1], b[i - 1]![1], b[i]![1]]));
  const need = Math.ceil((th.fallWindowS * 1000) / BIN) + 1;
  let monotone = m3.length >= need;
  for (let i = 1; i < m3.length; i++) if (m3[i]! > m3[i - 1]! + 0.1) monotone = false;
  const drop = m3.length > 0 ? m3[0]! - m3[m3.length - 1]! : 0;
  st.falling = monotone && drop >= th.fallT;
  // While falling, attribute the change of the last minute to where the tanker was when it
  // began; the ledger splits the unload in these proportions. Driving is never "falling".
  if (st.falling && m3.length >= 2 && prev !== undefined) {
    const site = prev[2] !== null && prev[2] !== "" ? prev[2] : (last[2] ?? prev[2]);
    if (site !== null) st.fallBySite[site] = (st.fallBySite[site] ?? 0) + (m3[m3.length - 2]! - m3[m3.length - 1]!);
  } else if (m3.length >= 2 && prev !== undefined && prev[2] === "" && last[2] === "" && (st.fallBySite[""] ?? 0) > 0) {
    // Off every site the weight came back up: what "fell" there was sloshing, not a discharge.
    const rise = m3[m3.length - 1]! - m3[m3.length - 2]!;
    if (rise > 0) st.fallBySite[""] = Math.max(0, st.fallBySite[""]! - rise);
  }
  if (!st.falling) {
    st.t2Cand = null;
    ctx.alert(te, "T2", subject, cfg.id, OFF);
    return;
  }
  // The part of the fall that happened between minutes spent away from every site.
  let awayFall = 0;
  for (let i = 1; i < m3.length; i++) if (b[i]![2] === "" && b[i + 1]![2] === "") awayFall += Math.max(0, m3[i - 1]! - m3[i]!);
  const sites = [prev?.[2] ?? null, last[2]];
  if (sites.some((x) => x === null)) {
    st.t2Cand = null;
    ctx.alert(te, "T2", subject, cfg.id, { s: "unknown" });
    return;
  }
  const away = sites.every((x) => x === "") && awayFall >= th.fallT / 2;
  const pos = st.pos;
  if (!away || pos === null) {
    st.t2Cand = null;
    ctx.alert(te, "T2", subject, cfg.id, { s: "off" });
    return;
  }
  // A discharge leaves the weight down; sloshing while driving (a zero-mean wobble of a few %
  // of the load, seconds to tens of seconds long) comes back up. So a fall is confirmed only
  // once every 3-min median for holdS after it was first seen stays fallT below the weight
  // before it; one that comes back above that was sloshing.
  const now = m3[m3.length - 1]!;
  if (st.t2Cand == null || now > st.t2Cand.ref - th.fallT) {
    st.t2Cand = now <= m3[0]! - th.fallT ? { ref: m3[0]!, since: te } : null;
    ctx.alert(te, "T2", subject, cfg.id, { s: "off" });
    return;
  }
  if (te - st.t2Cand.since < th.holdS * 1000) return;
  ctx.alert(te, "T2", subject, cfg.id, { s: "on", severity: "critical", messageId: "rules.tanker.dischargeOffField",
    params: { lat: pos.lat, lon: pos.lon, fallT: Math.round(drop * 100) / 100, fixAgeS: Math.round((te - pos.t) / 1000) }, value: drop });
}
