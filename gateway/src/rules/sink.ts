import type { RulesBatch, RulesResult, RulesSink } from "../rules-sink";
import type { AlertTransitionInput, CommittedEvent, CommittedReading, LedgerEntryInput } from "../store/types";
import { createRulesEngine, type RulesEngine } from "./engine";
import type { AlertTransition, Annotation, FarmEvent, ProcessResult, RuleReading } from "./types";

/**
 * The rules engine behind the store's RulesSink seam (gateway/src/rules-sink.ts). Sensor keys
 * in the facilities configuration are the store's "<node>/<key>". Besides transitions and
 * ledger entries, process() returns the annotations (readings to flag Q.HEALTH_SUSPECT) and
 * the turnings the rules inferred, for the store to record in the same transaction.
 */
export interface EngineSinkResult extends RulesResult {
  annotations: Annotation[];
  events: FarmEvent[];
}

export interface EngineSink extends RulesSink {
  readonly engine: RulesEngine;
  process(batch: RulesBatch): EngineSinkResult;
  acknowledge(key: string, note: string, user: string, t: number): AlertTransitionInput;
  state(): ReturnType<RulesEngine["state"]>;
}

export function toRuleReading(r: CommittedReading): RuleReading {
  const out: RuleReading = { sensor: r.sensor, t: r.t, v: r.value, q: r.flags };
  if (r.lat !== null && r.lon !== null) out.pos = [r.lat, r.lon, r.fix ?? 0];
  return out;
}

export function toFarmEvent(e: CommittedEvent): FarmEvent | null {
  if (e.facility === null) return null;
  return { t: e.t, facility: e.facility, kind: e.type, data: e.data };
}

export function toTransitionInput(x: AlertTransition): AlertTransitionInput {
  const out: AlertTransitionInput = {
    rule: x.rule, subject: x.subject, facility: x.facility, severity: x.severity, to: x.to, t: x.t,
    message: x.messageId,
    data: { key: x.key, from: x.from, params: x.params, value: x.value, raisedAt: x.raisedAt },
  };
  if (x.note !== undefined) out.note = x.note;
  if (x.by !== undefined) out.by = x.by;
  return out;
}

export function createEngineSink(facilities: unknown): EngineSink {
  let engine = createRulesEngine(facilities);
  const map = (r: ProcessResult): EngineSinkResult => ({
    transitions: r.transitions.map(toTransitionInput),
    ledger: r.ledger.map((l): LedgerEntryInput => ({ ...l, data: l.data })),
    annotations: r.annotations,
    events: r.events,
  });
  return {
    get engine() {
      return engine;
    },
    process(batch: RulesBatch): EngineSinkResult {
      const events: FarmEvent[] = [];
      for (const e of batch.events) {
        const f = toFarmEvent(e);
        if (f !== null) events.push(f);
      }
      return map(engine.process({ readings: batch.readings.map(toRuleReading), events }));
    },
    snapshot(): Record<string, unknown> {
      return engine.snapshot() as Record<string, unknown>;
    },
    restore(state: Record<string, unknown>): void {
      engine = createRulesEngine(facilities, state);
    },
    acknowledge(key, note, user, t) {
      return toTransitionInput(engine.acknowledge(key, note, user, t));
    },
    state() {
      return engine.state();
    },
  };
}
