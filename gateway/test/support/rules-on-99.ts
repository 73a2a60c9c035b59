import type { RulesSink } from "../../src/rules-sink";

/**
 * A rules sink for feed tests: every reading of 99 raises an alert (L3, critical) and books a
 * 10-tonne tanker load, so that alert transitions and ledger entries fall among the readings
 * of the feed. `extra` adds fields the test wants to see carried through.
 */
export function rulesOn99(extra: { message?: string; data?: unknown; site?: string | null } = {}): RulesSink {
  return {
    process: (b) => {
      const hit = b.readings.filter((r) => r.value === 99);
      return {
        transitions: hit.map((r) => ({ rule: "L3", subject: r.sensor, facility: "pit1", severity: "critical", to: "raised" as const, t: r.t, message: extra.message, data: extra.data })),
        ledger: hit.map((r) => ({ t: r.t, kind: "load", facility: "pit1", site: extra.site ?? null, tonnes: 10 })),
      };
    },
    snapshot: () => ({}),
    restore: () => undefined,
  };
}
