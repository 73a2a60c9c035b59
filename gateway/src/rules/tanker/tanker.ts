import type { FieldConfig, TankerConfig } from "../config";
import type { Ctx } from "../context";
import type { LoadSpan } from "../storage/state";
import type { LedgerEntry } from "../types";
import { localMidnight } from "../util/time";
import { addApplication, applicationRate } from "./application-rate";
import { onWeight as dischargeOnWeight } from "./discharge";
import { capOf, fieldAt, seasonAt, storeAt, type StoreSite } from "./fields";
import { newTankerState, type TankerState } from "./state";
import { detectSettle, type Settle } from "./steps";
import { median } from "../util/stats";

/**
 * A tanker as the panel sees it: its `state` in GET /api/v1/facilities (openapi.yaml Facility).
 * The operator panel imports this type (gateway/panel/src/types.ts).
 */
export interface TankerPanel {
  id: string;
  /** From the weight: settled, changing (moving or being filled), or falling (discharging). */
  state: "stable" | "moving-or-filling" | "discharging";
  loadT: number | null;
  capacityT: number;
  position: TankerState["pos"];
  /** Tonnes loaded and applied since local midnight (data time). */
  today: { loadT: number; unloadT: number };
  /** Registered fields with what was applied in their current season against the cap. */
  fields: { id: string; name: string; crop: FieldConfig["crop"]; areaMu: number; season: string | null; appliedT: number; tPerMu: number; capTPerMu: number }[];
}

/** Orchestrates the tanker rules (T1 ledger, T2 discharge, T4 application rate; T3 = L7 in the store). */
export class TankerRules {
  constructor(
    readonly cfg: TankerConfig,
    readonly st: TankerState,
    private readonly utcOffsetMin: number,
    private readonly onLoad: (pit: string, load: LoadSpan) => void,
    private readonly stores: readonly StoreSite[] = [],
  ) {}

  static initial(): TankerState {
    return newTankerState();
  }

  onPosition(t: number, pos: [number, number, number] | undefined): void {
    if (pos !== undefined && pos[2] > 0 && Number.isFinite(pos[0]) && Number.isFinite(pos[1])) this.st.pos = { lat: pos[0], lon: pos[1], t };
  }

  onWeight(ctx: Ctx, t: number, raw: number | null, pos: [number, number, number] | undefined): void {
    this.onPosition(t, pos);
    if (raw === null) return;
    const st = this.st;
    const w = this.cfg.weightUnit === "kg" ? raw / 1000 : raw;
    st.lastWeight = w;
    const closed = dischargeOnWeight(ctx, this.cfg, st, t, w, this.stores);
    if (closed && st.unstableSince !== null) this.trackPeak();
    const settle = detectSettle(this.cfg, st, t, w);
    if (settle === null) {
      if (st.unstableSince === null) this.resetExcursion();
      return;
    }
    this.ledger(ctx, t, settle);
    this.resetExcursion();
  }

  /** The loaded weight of an excursion: the highest median of three consecutive minutes (sloshing-proof). */
  private trackPeak(): void {
    const st = this.st;
    const recent = st.bins.slice(-3).filter(([t0]) => t0 >= (st.unstableSince as number) - 60_000).map((b) => b[1]);
    if (recent.length === 0) return;
    const v = median(recent);
    if (st.peak === null || v > st.peak.w) {
      const last = st.bins[st.bins.length - 1] as [number, number, string | null];
      st.peak = { w: v, t: last[0] + 60_000, lat: st.pos?.lat ?? null, lon: st.pos?.lon ?? null };
      // Falls before the peak (sloshing on the way to the pit) are not part of the unload.
      st.fallBySite = {};
    }
  }

  private resetExcursion(): void {
    this.st.fallBySite = {};
    this.st.fallPos = null;
    this.st.peak = null;
  }

  /**
   * T1: an excursion from stable weight A through a peak P to stable weight B is a load of
   * P − A and an unload of P − B when both reach stepT and peakMarginPct of P (fill, drive,
   * spread without ever standing still full); otherwise a load or an unload of |B − A|.
   */
  private ledger(ctx: Ctx, t: number, s: Settle): void {
    const st = this.st;
    const step = this.cfg.thresholds.stepT;
    const A = s.before;
    const B = s.after;
    const P = st.peak;
    let made = false;
    // The peak is measured while the load moves (unstable), where sloshing lifts the highest
    // 3-min median a few % above the load: it must clear both stable weights by more than that.
    const margin = Math.max(step, (this.cfg.thresholds.peakMarginPct / 100) * (P?.w ?? 0));
    if (P !== null && P.w - A >= margin && P.w - B >= margin) {
      this.load(ctx, t, P.w - A, s.tStart, P.t, A, P.w, P.lat, P.lon);
      this.unload(ctx, t, P.w - B, P.t, s.tEnd, P.w, B);
      made = true;
    } else if (B - A >= step) {
      this.load(ctx, t, B - A, s.tStart, s.tEnd, A, B, st.pos?.lat ?? null, st.pos?.lon ?? null);
      made = true;
    } else if (A - B >= step) {
      this.unload(ctx, t, A - B, s.tStart, s.tEnd, A, B);
      made = true;
    }
    if (made && st.stable !== null) st.stable.w = B;
  }

  private today(t: number): TankerState["today"] {
    const day = localMidnight(t, this.utcOffsetMin);
    if (this.st.today.day !== day) this.st.today = { day, loadT: 0, unloadT: 0 };
    return this.st.today;
  }

  private load(ctx: Ctx, t: number, tonnes: number, tStart: number, tEnd: number, before: number, after: number, lat: number | null, lon: number | null): void {
    this.today(t).loadT += tonnes;
    // Loaded at the store it stood at (stores with a position), else at its home pit.
    const here = lat !== null && lon !== null ? storeAt(this.stores, lat, lon) : null;
    const site = here?.id ?? this.cfg.homePit ?? null;
    if (site !== null) this.onLoad(site, { tStart, tEnd, tonnes, tanker: this.cfg.id });
    this.entry(ctx, "load", site, tonnes, lat, lon, { tStart, tEnd, weightBefore: round3(before), weightAfter: round3(after), from: site, to: null, season: null });
  }

  private unload(ctx: Ctx, t: number, tonnes: number, tStart: number, tEnd: number, before: number, after: number): void {
    const st = this.st;
    this.today(t).unloadT += tonnes;
    // Split the unload by where the weight was seen falling (field or store ids, "" = off every
    // site). Parts under stepT are sloshing left over from driving, not a discharge.
    let parts = Object.entries(st.fallBySite).filter(([, x]) => x >= this.cfg.thresholds.stepT);
    if (parts.length === 0) {
      const fresh = st.pos !== null && t - st.pos.t <= this.cfg.thresholds.positionMaxAgeS * 1000 ? st.pos : null;
      const here = fresh === null ? null : (fieldAt(this.cfg.fields, fresh.lat, fresh.lon) ?? storeAt(this.stores, fresh.lat, fresh.lon));
      parts = [[here?.id ?? "", 1]];
    }
    const sum = parts.reduce((a, [, x]) => a + x, 0);
    for (const [site, x] of parts) {
      const part = (tonnes * x) / sum;
      const siteId = site === "" ? null : site;
      const season = siteId === null ? null : addApplication(st, this.cfg, siteId, tEnd, part, this.utcOffsetMin);
      const pos = siteId !== null && st.fallPos !== null ? st.fallPos : st.pos === null ? null : [st.pos.lat, st.pos.lon];
      this.entry(ctx, "unload", siteId, part, pos?.[0] ?? null, pos?.[1] ?? null, { tStart, tEnd, weightBefore: round3(before), weightAfter: round3(after), from: null, to: siteId, season });
    }
    applicationRate(ctx, this.cfg, st.totals, t, this.utcOffsetMin);
  }

  private entry(ctx: Ctx, kind: "load" | "unload", site: string | null, tonnes: number, lat: number | null, lon: number | null,
    d: Omit<LedgerEntry["data"], "tanker">): void {
    ctx.ledger({ t: d.tEnd, kind, facility: this.cfg.id, site, tonnes: round3(tonnes), lat, lon, data: { tanker: this.cfg.id, ...d } });
  }

  /** Hourly: closes T4 alerts of seasons that ended. */
  onTick(ctx: Ctx, t: number): void {
    if (Object.keys(this.st.totals).length > 0) applicationRate(ctx, this.cfg, this.st.totals, t, this.utcOffsetMin);
  }

  /** The tanker is being filled (weight changing) at this pit: level drops there are explained for now. */
  busyAt(store: string): boolean {
    if (this.st.unstableSince === null) return false;
    const p = this.st.pos;
    const here = p === null ? null : storeAt(this.stores, p.lat, p.lon);
    return here !== null ? here.id === store : this.cfg.homePit === store;
  }

  panel(now: number | null): TankerPanel {
    const st = this.st;
    const day = now === null ? null : localMidnight(now, this.utcOffsetMin);
    const fields = this.cfg.fields.map((f) => {
      const season = now === null ? null : seasonAt(f, now, this.utcOffsetMin).name;
      const applied = season === null ? 0 : (st.totals[`${f.id}|${season}`] ?? 0);
      return { id: f.id, name: f.name ?? f.id, crop: f.crop, areaMu: f.areaMu, season, appliedT: round3(applied), tPerMu: round3(applied / f.areaMu), capTPerMu: capOf(f) };
    });
    return {
      id: this.cfg.id,
      state: st.unstableSince !== null ? (st.falling ? "discharging" : "moving-or-filling") : "stable",
      loadT: st.stable === null ? st.lastWeight : round3(st.stable.w),
      capacityT: this.cfg.capacityT,
      position: st.pos,
      today: day !== null && st.today.day === day ? { loadT: round3(st.today.loadT), unloadT: round3(st.today.unloadT) } : { loadT: 0, unloadT: 0 },
      fields,
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export { newTankerState };
