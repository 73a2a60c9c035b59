import type { TankerConfig } from "../config";
import type { Ctx } from "../context";
import type { LoadSpan } from "../storage/state";
import type { LedgerEntry } from "../types";
import { localMidnight } from "../util/time";
import { addApplication, applicationRate } from "./application-rate";
import { onWeight as dischargeOnWeight } from "./discharge";
import { capOf, fieldAt, seasonAt, storeAt, type StoreSite } from "./fields";
import { newTankerState, type TankerState } from "./state";
import { detectStep } from "./steps";

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
    dischargeOnWeight(ctx, this.cfg, st, t, w, this.stores);
    const step = detectStep(this.cfg, st, t, w);
    if (step === null) {
      if (st.unstableSince === null) {
        st.fallBySite = {};
        st.fallPos = null;
      }
      return;
    }
    const tonnes = Math.abs(step.after - step.before);
    const day = localMidnight(t, this.utcOffsetMin);
    if (st.today.day !== day) st.today = { day, loadT: 0, unloadT: 0 };
    const base = { tStart: step.tStart, tEnd: step.tEnd, weightBefore: round3(step.before), weightAfter: round3(step.after) };
    if (step.kind === "load") {
      st.today.loadT += tonnes;
      // Loaded at the store it stands at (when stores have positions), else at its home pit.
      const here = st.pos !== null && t - st.pos.t <= this.cfg.thresholds.positionMaxAgeS * 1000 ? storeAt(this.stores, st.pos.lat, st.pos.lon) : null;
      const site = here?.id ?? this.cfg.homePit ?? null;
      if (site !== null) this.onLoad(site, { tStart: step.tStart, tEnd: step.tEnd, tonnes, tanker: this.cfg.id });
      this.entry(ctx, "load", site, tonnes, st.pos?.lat ?? null, st.pos?.lon ?? null, { ...base, from: site, to: null, season: null });
    } else {
      st.today.unloadT += tonnes;
      // Split the unload by where the weight was seen falling (field ids, "" = off every field).
      // Parts under stepT are sloshing left over from driving, not a discharge.
      let parts = Object.entries(st.fallBySite).filter(([, x]) => x >= this.cfg.thresholds.stepT);
      if (parts.length === 0) {
        const fresh = st.pos !== null && t - st.pos.t <= this.cfg.thresholds.positionMaxAgeS * 1000 ? st.pos : null;
        const here = fresh === null ? null : (fieldAt(this.cfg.fields, fresh.lat, fresh.lon) ?? storeAt(this.stores, fresh.lat, fresh.lon));
        parts = [[here?.id ?? "", 1]];
      }
      const sum = parts.reduce((a, [, x]) => a + x, 0);
      for (const [site, x] of parts) {
        const part = (tonnes * x) / sum;
        const fieldId = site === "" ? null : site;
        const season = fieldId === null ? null : addApplication(st, this.cfg, fieldId, step.tEnd, part, this.utcOffsetMin);
        const pos = fieldId !== null && st.fallPos !== null ? st.fallPos : st.pos === null ? null : [st.pos.lat, st.pos.lon];
        this.entry(ctx, "unload", fieldId, part, pos?.[0] ?? null, pos?.[1] ?? null, { ...base, from: null, to: fieldId, season });
      }
      applicationRate(ctx, this.cfg, st.totals, t, this.utcOffsetMin);
    }
    st.fallBySite = {};
    st.fallPos = null;
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

  panel(now: number | null) {
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
