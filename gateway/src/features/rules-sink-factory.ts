import type { RulesSink } from "../rules-sink";

/**
 * The rules engine behind the RulesSink seam. Until gateway/src/rules is wired, facilities
 * are passed through unvalidated and no rules run (see README "Rules").
 */
export function createRulesSink(_facilities: unknown): RulesSink | null {
  return null;
}
