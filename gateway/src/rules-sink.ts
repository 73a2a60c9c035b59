import type { AlertTransitionInput, CommittedEvent, CommittedReading, LedgerEntryInput } from "./store/types";

/**
 * The seam between the store and the rules engine (gateway/src/rules/). The store calls
 * process() INSIDE the group-commit transaction with what that transaction has just written;
 * the transitions and ledger entries it returns are stored in the same transaction, together
 * with snapshot(). So after a crash the readings, the alerts they caused and the rules' state
 * are either all there or all absent: replaying the node's resent messages gives the same result.
 *
 * process() must be synchronous and must not read a clock (rules run on data time).
 */
export interface RulesBatch {
  readings: CommittedReading[];
  events: CommittedEvent[];
}

export interface RulesResult {
  transitions: AlertTransitionInput[];
  ledger: LedgerEntryInput[];
  /** Readings of `sensor` ("<node>/<key>") with from <= t <= to get flags |= q (Q.HEALTH_SUSPECT). */
  annotations?: { sensor: string; from: number; to: number; q: number; reason?: string }[];
  /** Events the rules inferred (a turning seen in the temperature curve), stored with source "rules". */
  events?: { t: number; facility: string; kind?: string; type?: string; data?: unknown }[];
}

export interface RulesSink {
  process(batch: RulesBatch): RulesResult;
  /** State per facility, JSON-serialisable; stored in rules_state. */
  snapshot(): Record<string, unknown>;
  /** Called once at start with what snapshot() returned at the last commit. */
  restore(state: Record<string, unknown>): void;
  /**
   * An operator acknowledged the open alert `key` ("<rule>|<subject>") at gateway time t.
   * Called INSIDE the transaction that stores the acknowledgement, followed by snapshot(), so
   * the engine's alert book (which a later escalation or clear consults) and the stored alert
   * agree after a restart. Returns the transition to store (with the alert's params in data);
   * throws when the engine has no such raised alert (the store then records the operator's
   * acknowledgement alone). Optional: a sink without alerts of its own need not have it.
   */
  acknowledge?(key: string, note: string, user: string, t: number): AlertTransitionInput;
}
