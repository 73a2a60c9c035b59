import { createRulesEngine, type RulesEngine } from "../../src/rules";
import type { RulesBatch, RulesResult, RulesSink } from "../../src/rules-sink";

/**
 * The real rules engine behind the store's RulesSink seam, for the HTTP tests (the core's
 * own adapter, features/rules-sink-factory.ts, is not wired yet). Maps committed readings to
 * the engine's RuleReading and its transitions to the store's AlertTransitionInput.
 */
export class EngineSink implements RulesSink {
  engine: RulesEngine;

  constructor(private readonly facilities: unknown) {
    this.engine = createRulesEngine(facilities);
  }

  process(b: RulesBatch): RulesResult {
    const res = this.engine.process({
      readings: b.readings.map((r) => ({ sensor: r.sensor, t: r.t, v: r.value, q: r.flags, ...(r.lat !== null && r.lon !== null ? { pos: [r.lat, r.lon, r.fix ?? 0] as [number, number, number] } : {}) })),
      events: b.events.filter((e) => e.facility !== null).map((e) => ({ t: e.t, facility: e.facility as string, kind: e.type, data: e.data })),
    });
    return {
      transitions: res.transitions.map((t) => ({ rule: t.rule, subject: t.subject, facility: t.facility, severity: t.severity, to: t.to, t: t.t, message: t.messageId, note: t.note, by: t.by, data: { params: t.params, value: t.value } })),
      ledger: res.ledger,
    };
  }

  snapshot(): Record<string, unknown> {
    return { engine: this.engine.snapshot() };
  }

  restore(state: Record<string, unknown>): void {
    if (state.engine !== undefined) this.engine = createRulesEngine(this.facilities, state.engine);
  }

  state() {
    return this.engine.state();
  }
}
