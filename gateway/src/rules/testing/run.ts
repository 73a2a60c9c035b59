import { createRulesEngine, type RulesEngine } from "../engine";
import type { AlertTransition, Annotation, FarmEvent, LedgerEntry, RuleReading } from "../types";
import type { Synth } from "./synth";
import { T0 } from "./synth";
import { DAY, HOUR } from "../util/time";

export interface RunOutput {
  engine: RulesEngine;
  transitions: AlertTransition[];
  ledger: LedgerEntry[];
  annotations: Annotation[];
  events: FarmEvent[];
}

/** Feed a synthetic farm to a new engine in batches of `batch` readings (events delivered with their time), then flush. */
export function runSynth(s: Synth, opts: { batch?: number | (() => number); config?: (c: Synth["config"]) => void } = {}): RunOutput {
  if (opts.config) opts.config(s.config);
  const engine = createRulesEngine(s.config);
  const out: RunOutput = { engine, transitions: [], ledger: [], annotations: [], events: [] };
  feed(engine, s.readings, s.events, opts.batch ?? s.readings.length, out);
  collect(out, engine.flush());
  return out;
}

export function feed(engine: RulesEngine, readings: RuleReading[], events: FarmEvent[], batch: number | (() => number), out: RunOutput): void {
  let ei = 0;
  for (let i = 0; i < readings.length; ) {
    const n = Math.max(1, typeof batch === "number" ? batch : batch());
    const chunk = readings.slice(i, i + n);
    i += n;
    const lastT = (chunk[chunk.length - 1] as RuleReading).t;
    const ev: FarmEvent[] = [];
    while (ei < events.length && (events[ei] as FarmEvent).t <= lastT) ev.push(events[ei++] as FarmEvent);
    collect(out, engine.process({ readings: chunk, events: ev }));
  }
  if (ei < events.length) collect(out, engine.process({ readings: [], events: events.slice(ei) }));
}

export function collect(out: Omit<RunOutput, "engine">, r: { transitions: AlertTransition[]; ledger: LedgerEntry[]; annotations: Annotation[]; events: FarmEvent[] }): void {
  out.transitions.push(...r.transitions);
  out.ledger.push(...r.ledger);
  out.annotations.push(...r.annotations);
  out.events.push(...r.events);
}

export function raised(out: { transitions: AlertTransition[] }, rule: string): AlertTransition[] {
  return out.transitions.filter((t) => t.rule === rule && t.to === "raised" && t.from === null);
}

/** Data time of day `d` (days since the synthetic start) plus `h` local hours. */
export function at(d: number, h = 0): number {
  return T0 + d * DAY + h * HOUR;
}

export function dayOf(t: number): number {
  return Math.round(((t - T0) / DAY) * 100) / 100;
}
