import { OFF } from "../alerts";
import type { PileConfig } from "../config";
import type { Ctx } from "../context";
import { DAY, HOUR } from "../util/time";
import type { Preset } from "./presets";
import type { PileState } from "./state";

/**
 * C1–C4: the harmlessness / sanitation clock on the COOLEST valid probe (APHIS / BioAbfV
 * practice, S). Time between two evaluations counts when the coolest probe was at or above
 * the threshold at the earlier one (left-point rule: exact and identical however the readings
 * are batched). Continuous mode: a dip below the threshold resets the clock unless it is
 * shorter than dipToleranceH and a turning was logged or inferred around it (I).
 */
export function advanceRuns(pile: PileState, preset: Preset, cfg: PileConfig, t: number, coolestNow: number | null): void {
  const mode = cfg.holdMode ?? preset.mode;
  const tolMs = cfg.thresholds.dipToleranceH * HOUR;
  const dt = pile.lastEval === null ? 0 : t - pile.lastEval;
  preset.alternatives.forEach((alt, i) => {
    const run = pile.runs[i];
    if (run === undefined || run.met !== null) return;
    const prevAbove = pile.coolest !== null && pile.coolest >= alt.thresholdC;
    if (prevAbove && run.start !== null && run.dipStart === null) run.heldMs += dt;
    if (coolestNow === null) return; // no valid probe: the clock neither runs nor resets
    const above = coolestNow >= alt.thresholdC;
    if (mode === "cumulative") {
      if (above && run.start === null) run.start = t;
    } else if (above) {
      if (run.dipStart !== null) {
        const tolerated = t - run.dipStart < tolMs && turningNear(pile, run.dipStart - tolMs, t);
        if (!tolerated) {
          run.start = t;
          run.heldMs = 0;
        }
        run.dipStart = null;
      }
      if (run.start === null) run.start = t;
    } else if (run.start !== null) {
      if (run.dipStart === null) run.dipStart = t;
      if (t - run.dipStart >= tolMs) {
        run.start = null;
        run.heldMs = 0;
        run.dipStart = null;
      }
    }
    const turns = run.start === null ? 0 : pile.turnings.filter((x) => x >= (run.start as number)).length;
    if (run.heldMs >= alt.days * DAY && turns >= (alt.minTurnings ?? 0)) run.met = t;
  });
}

function turningNear(pile: PileState, from: number, to: number): boolean {
  if (pile.turnings.some((x) => x >= from && x <= to)) return true;
  // A drop on all probes (a turning candidate) inside the dip is evidence of a turning too.
  return pile.turnCand !== null && pile.turnCand.t >= from && pile.turnCand.t <= to;
}

export function harmlessnessAlerts(ctx: Ctx, pile: PileState, preset: Preset, cfg: PileConfig, t: number): void {
  const subject = `pile:${cfg.id}`;
  const metIdx = pile.runs.findIndex((r) => r.met !== null);
  if (metIdx >= 0) {
    const alt = preset.alternatives[metIdx];
    ctx.alert(t, preset.rule, subject, cfg.id, {
      s: "on", severity: "info", messageId: "rules.compost.harmless",
      params: { preset: preset.label, thresholdC: alt?.thresholdC ?? null, days: alt?.days ?? null }, value: alt?.thresholdC ?? null,
    });
    ctx.alert(t, `${preset.rule}.late`, subject, cfg.id, OFF);
    return;
  }
  if (pile.built !== null && t - pile.built > cfg.thresholds.harmlessByDay * DAY) {
    ctx.alert(t, `${preset.rule}.late`, subject, cfg.id, {
      s: "on", severity: "warn", messageId: "rules.compost.notHarmlessYet",
      params: { preset: preset.label, day: Math.floor((t - pile.built) / DAY), byDay: cfg.thresholds.harmlessByDay }, value: null,
    });
  }
}

/** One alternative of the harmlessness preset and how far the pile is along it (panel). */
export interface HarmlessProgress {
  preset: string;
  rule: string;
  thresholdC: number;
  requiredDays: number;
  heldDays: number;
  minTurnings: number;
  turnings: number;
  /** Data time the alternative was met, null while not. */
  met: number | null;
  /** The coolest probe is below the threshold right now (the run is held, not lost yet). */
  dipping: boolean;
}

/** Progress for the panel: "≥ 50 °C: 5.2 of 7 days". */
export function progress(pile: PileState, preset: Preset): HarmlessProgress[] {
  return preset.alternatives.map((alt, i) => {
    const run = pile.runs[i];
    return {
      preset: preset.label, rule: preset.rule, thresholdC: alt.thresholdC, requiredDays: alt.days,
      heldDays: Math.round(((run?.heldMs ?? 0) / DAY) * 10) / 10,
      minTurnings: alt.minTurnings ?? 0,
      turnings: run?.start == null ? 0 : pile.turnings.filter((x) => x >= (run.start as number)).length,
      met: run?.met ?? null,
      dipping: run?.dipStart != null,
    };
  });
}
