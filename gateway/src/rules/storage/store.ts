import { freeboardMin, type StoreConfig } from "../config";
import type { Ctx } from "../context";
import { median } from "../util/stats";
import { DAY, HOUR } from "../util/time";
import { daysToFull } from "./days-to-full";
import { freeboardRules } from "./freeboard";
import { rainRules } from "./rain";
import { rainMm } from "./rain-counter";
import { reconcile } from "./reconcile";
import { seepageAtBinEnd, seepageSample } from "./seepage";
import { BIN_MS, newStoreState, type LoadSpan, type Reconciliation, type StoreState } from "./state";
import { unexplainedDrop } from "./unexplained-drop";

/**
 * A store as the panel sees it: its `state` in GET /api/v1/facilities (openapi.yaml Facility).
 * The operator panel imports this type (gateway/panel/src/types.ts), so a change here is
 * checked against the panel's use of it.
 */
export interface StorePanel {
  id: string;
  type: StoreConfig["type"];
  covered: boolean;
  /** Liquid level, m above the floor, and its data time. */
  levelM: number | null;
  t: number | null;
  freeboardM: number | null;
  freeboardMinM: number;
  fillPct: number | null;
  volumeM3: number | null;
  netInflowMmD: number | null;
  daysToFull: number | null;
  /** Three-proofing (三防) at a glance, from the open alerts of rules L1-L9. */
  threeProofing: { overflow: "ok" | "warn" | "alert"; seepage: "ok" | "alert"; rain: "ok" | "alert" };
  seepage: StoreState["seepage"];
  seepageNights: { t: number; quiet: boolean; residualMmD: number | null; evapMmD: number | null }[];
  reconciliations: Reconciliation[];
}

/**
 * Orchestrates the liquid-storage rules (three-proofing) of one store. Level readings are
 * converted to metres above the floor from the sensor mounting, filtered by a 5-reading
 * running median, and folded into 10-min median bins; per-reading rules (L1–L3) run at every
 * reading, bin rules (L4–L9) when a bin closes, stamped with the bin's end.
 */
export class StoreRules {
  constructor(
    readonly cfg: StoreConfig,
    readonly st: StoreState,
    private readonly utcOffsetMin: number,
    private readonly tankerBusy: (store: string, t: number) => boolean,
    private readonly nightAirC: (from: number, to: number) => number | null = () => null,
  ) {}

  static initial(): StoreState {
    return newStoreState();
  }

  /** Level above the floor, m, from the raw sensor value and the mounting. */
  levelFromRaw(v: number): number {
    const m = this.cfg.mounting;
    if (m.kind === "distance-above") return this.cfg.depthToLipM - (v - m.mountHeight);
    const headWater = m.unit === "kPa" ? v / 9.80665 : v;
    return m.offset + headWater / this.cfg.density;
  }

  onLevel(ctx: Ctx, t: number, raw: number | null): void {
    this.closeBins(ctx, t);
    if (raw === null) return;
    const st = this.st;
    const level = this.levelFromRaw(raw);
    st.recent.push(level);
    if (st.recent.length > 5) st.recent.shift();
    st.level = median(st.recent);
    st.levelT = t;
    st.cur?.vals.push(level);
    seepageSample(this.cfg, st, t, level, this.utcOffsetMin);
    freeboardRules(ctx, this.cfg, st, t, this.cfg.depthToLipM - st.level);
  }

  onRain(t: number, raw: number | null): void {
    if (raw === null) return;
    const st = this.st;
    const last = st.rainLast;
    if (this.cfg.rainCounter === "cumulative") st.rainLast = raw;
    const mm = rainMm(this.cfg, last, raw);
    if (mm === null || mm === 0) return;
    const t0 = Math.floor(t / BIN_MS) * BIN_MS;
    const lastBin = st.rain[st.rain.length - 1];
    if (lastBin !== undefined && lastBin[0] === t0) lastBin[1] += mm;
    else st.rain.push([t0, mm]);
    while (st.rain.length > 0 && (st.rain[0] as [number, number])[0] < t - 8 * DAY) st.rain.shift();
  }

  onLoad(l: LoadSpan): void {
    this.st.loads.push(l);
    while (this.st.loads.length > 0 && (this.st.loads[0] as LoadSpan).tEnd < l.tEnd - 8 * DAY) this.st.loads.shift();
    this.st.pendingRecon.push(l);
  }

  private closeBins(ctx: Ctx, t: number): void {
    const st = this.st;
    const t0 = Math.floor(t / BIN_MS) * BIN_MS;
    if (st.cur === null) {
      st.cur = { t0, vals: [] };
      return;
    }
    if (t0 <= st.cur.t0) return;
    const closed = st.cur;
    st.cur = { t0, vals: [] };
    if (closed.vals.length === 0) return;
    // 0.1 mm is finer than any level sensor and keeps the snapshot small.
    st.bins.push([closed.t0, Math.round(median(closed.vals) * 1e4) / 1e4]);
    while (st.bins.length > 0 && (st.bins[0] as [number, number])[0] < t0 - 8 * DAY) st.bins.shift();
    this.binRules(ctx, closed.t0 + BIN_MS);
  }

  private binRules(ctx: Ctx, te: number): void {
    const st = this.st;
    if (st.level === null) return;
    const freeboard = this.cfg.depthToLipM - st.level;
    if (te % HOUR === 0) daysToFull(ctx, this.cfg, st, te, freeboard, this.utcOffsetMin);
    seepageAtBinEnd(ctx, this.cfg, st, te, this.nightAirC);
    unexplainedDrop(ctx, this.cfg, st, te, this.tankerBusy(this.cfg.id, te));
    reconcile(ctx, this.cfg, st, te);
    rainRules(ctx, this.cfg, st, te);
  }

  panel(ctx: Ctx): StorePanel {
    const st = this.st;
    const cfg = this.cfg;
    const fbMin = freeboardMin(cfg);
    const freeboard = st.level === null ? null : cfg.depthToLipM - st.level;
    const open = (rule: string) => ctx.book.isOpen(rule, `store:${cfg.id}`);
    return {
      id: cfg.id, type: cfg.type, covered: cfg.covered,
      levelM: st.level, t: st.levelT,
      freeboardM: freeboard, freeboardMinM: fbMin,
      fillPct: st.level === null ? null : Math.round((1000 * st.level) / (cfg.depthToLipM - fbMin)) / 10,
      volumeM3: st.level === null ? null : Math.round(st.level * cfg.surfaceM2 * 10) / 10,
      netInflowMmD: st.rateMD === null ? null : Math.round(st.rateMD * 10000) / 10,
      daysToFull: st.daysToFull === null ? null : Math.round(st.daysToFull * 10) / 10,
      threeProofing: {
        overflow: open("L1") || open("L3") ? "alert" : open("L2") || open("L4") ? "warn" : "ok",
        seepage: open("L5") || open("L6") ? "alert" : "ok",
        rain: open("L8") || open("L9") ? "alert" : "ok",
      },
      seepage: st.seepage,
      seepageNights: st.nights.slice(-7).map((n) => ({ t: n.t, quiet: n.quiet, residualMmD: n.residualMmD, evapMmD: n.evapMmD ?? null })),
      reconciliations: st.recons.slice(-5),
    };
  }
}
