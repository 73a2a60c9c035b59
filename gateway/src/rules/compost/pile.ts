import type { PileConfig } from "../config";
import type { Ctx } from "../context";
import { setDisagree, type SensorHealthState } from "../health/sensor-health";
import { median } from "../util/stats";
import { DAY, HOUR, MIN } from "../util/time";
import { coldZone } from "./cold-zone";
import { failedStart } from "./failed-start";
import { advanceRuns, harmlessnessAlerts, progress, type HarmlessProgress } from "./harmlessness";
import { maturity, maturityOnTurning } from "./maturity";
import { overheat, severeOverheat } from "./overheat";
import { PRESETS, type Preset } from "./presets";
import { noReheat, onTurning } from "./reheat";
import { newPileState, pushHourMax, type PileState, type PileView, type ProbeState } from "./state";
import { suddenDrop } from "./sudden-drop";
import { inferTurning } from "./turning";

/**
 * A pile as the panel sees it: its `state` in GET /api/v1/facilities (openapi.yaml Facility).
 * The operator panel imports this type (gateway/panel/src/types.ts).
 */
export interface PilePanel {
  id: string;
  kind: PileConfig["kind"];
  /** The harmlessness preset's label. */
  preset: string;
  built: number | null;
  released: boolean;
  /** Whole days since the pile was built (data time), null before. */
  day: number | null;
  /** `valid`: passed the checks and not stale (thresholds.probeStaleMin). */
  probes: { sensor: string; position: ProbeState["position"]; valueC: number | null; valid: boolean; t: number | null }[];
  coolestValid: { sensor: string; valueC: number } | null;
  harmlessness: HarmlessProgress[];
  turnings: number[];
  maturity: { harmless: boolean; ambientMeanC: number | null; coolDays: number; requiredDays: number; reheatedAfterLastTurn: boolean };
}

/** Orchestrates the compost rules of one pile, evaluated at every probe reading, in data time. */
export class PileRules {
  readonly preset: Preset;
  constructor(
    readonly cfg: PileConfig,
    readonly st: PileState,
    private readonly ambientMean: (t: number) => number | null,
  ) {
    this.preset = PRESETS[cfg.preset];
  }

  static initial(cfg: PileConfig, built: number | null): PileState {
    return newPileState(cfg.probes, PRESETS[cfg.preset].alternatives.length, built);
  }

  get subject(): string {
    return `pile:${this.cfg.id}`;
  }

  onReading(ctx: Ctx, probeIdx: number, t: number, raw: number | null, health: SensorHealthState, healthOf: (s: string) => SensorHealthState): void {
    const st = this.st;
    if (st.released) return;
    st.built ??= t;
    const p = st.probes[probeIdx];
    if (p === undefined) return;
    p.t = t;
    p.raw = raw;
    // Probes of one pile disagreeing beyond physics: compare with the median of the others.
    if (raw !== null) {
      const others = st.probes.filter((o) => o !== p && o.raw !== null && o.t !== null && t - o.t <= this.cfg.thresholds.probeStaleMin * MIN && !healthOf(o.sensor).disagree);
      if (others.length >= 2) {
        const d = Math.abs(raw - median(others.map((o) => o.raw as number)));
        const lim = this.cfg.thresholds.probeDisagreeC;
        if (d > lim) setDisagree(ctx, health, this.cfg.id, p.sensor, t, true, raw);
        else if (d < lim - 5 && health.disagree) setDisagree(ctx, health, this.cfg.id, p.sensor, t, false, raw);
      }
    }
    p.v = raw !== null && !health.disagree ? raw : null;
    if (p.v !== null) {
      p.hist.push([t, p.v]);
      while (p.hist.length > 0 && (p.hist[0] as [number, number])[0] < t - 2 * HOUR) p.hist.shift();
      pushHourMax(p.hourMax, t, p.v, 25);
    }
    this.evaluate(ctx, t);
  }

  onEvent(ctx: Ctx, kind: string, t: number): void {
    const st = this.st;
    if (kind === "built") {
      ctx.book.closeSubject(this.subject, t);
      Object.assign(st, PileRules.initial(this.cfg, t));
    } else if (kind === "released") {
      ctx.book.closeSubject(this.subject, t);
      st.released = true;
    } else if (kind === "turning" && !st.released) {
      if (st.turnCand !== null && Math.abs(st.turnCand.t - t) < 3 * HOUR) st.turnCand = null;
      this.addTurning(t);
    }
  }

  private addTurning(t: number): void {
    const st = this.st;
    if (st.turnings.some((x) => Math.abs(x - t) < HOUR)) return;
    st.turnings.push(t);
    st.turnings.sort((a, b) => a - b);
    onTurning(st, this.cfg, t);
    maturityOnTurning(st, this.harmless);
  }

  get harmless(): boolean {
    return this.st.runs.some((r) => r.met !== null);
  }

  private view(t: number): PileView | null {
    const staleMs = this.cfg.thresholds.probeStaleMin * MIN;
    const valid = this.st.probes.filter((p) => p.v !== null && p.t !== null && t - p.t <= staleMs);
    if (valid.length === 0) return null;
    let max = -Infinity;
    let min = Infinity;
    let coreMax: number | null = null;
    for (const p of valid) {
      const v = p.v as number;
      if (v > max) max = v;
      if (v < min) min = v;
      if (p.position === "core") coreMax = coreMax === null ? v : Math.max(coreMax, v);
    }
    return { t, valid, max, min, coreMax };
  }

  private evaluate(ctx: Ctx, t: number): void {
    const st = this.st;
    const view = this.view(t);
    if (view === null) {
      advanceRuns(st, this.preset, this.cfg, t, null);
      st.coolest = null;
      st.lastEval = t;
      return;
    }
    pushHourMax(st.hourMax, t, view.max, 30);
    const turned = inferTurning(ctx, st, this.cfg, view);
    if (turned !== null) {
      this.addTurning(turned);
      ctx.inferEvent({ t: turned, facility: this.cfg.id, kind: "turning", data: { inferred: true } });
    }
    advanceRuns(st, this.preset, this.cfg, t, view.min);
    st.coolest = view.min;
    st.lastEval = t;
    harmlessnessAlerts(ctx, st, this.preset, this.cfg, t);
    overheat(ctx, this.cfg, view);
    severeOverheat(ctx, st, this.cfg, view);
    failedStart(ctx, st, this.cfg, view);
    const qualifyC = Math.min(...this.preset.alternatives.map((a) => a.thresholdC));
    coldZone(ctx, st, this.cfg, view, qualifyC);
    noReheat(ctx, st, this.cfg, view);
    suddenDrop(ctx, st, this.cfg, view);
    maturity(ctx, st, this.cfg, view, this.harmless, this.ambientMean(t));
  }

  /** Panel state of the pile. */
  panel(now: number | null): PilePanel {
    const st = this.st;
    const staleMs = this.cfg.thresholds.probeStaleMin * MIN;
    const probes = st.probes.map((p) => ({
      sensor: p.sensor, position: p.position, valueC: p.raw, valid: p.v !== null && p.t !== null && now !== null && now - p.t <= staleMs, t: p.t,
    }));
    const valid = probes.filter((p): p is (typeof probes)[number] & { valueC: number } => p.valid && p.valueC !== null);
    const coolest = valid.length === 0 ? null : valid.reduce((a, b) => (a.valueC <= b.valueC ? a : b));
    const amb = now === null ? null : this.ambientMean(now);
    return {
      id: this.cfg.id, kind: this.cfg.kind, preset: this.preset.label, built: st.built, released: st.released,
      day: st.built !== null && now !== null ? Math.floor((now - st.built) / DAY) : null,
      probes,
      coolestValid: coolest === null ? null : { sensor: coolest.sensor, valueC: coolest.valueC },
      harmlessness: progress(st, this.preset),
      turnings: st.turnings.slice(),
      maturity: {
        harmless: this.harmless, ambientMeanC: amb,
        coolDays: st.c11.coolSince !== null && now !== null ? Math.round(((now - st.c11.coolSince) / DAY) * 10) / 10 : 0,
        requiredDays: this.cfg.thresholds.maturityDays, reheatedAfterLastTurn: st.c11.reheated,
      },
    };
  }
}
