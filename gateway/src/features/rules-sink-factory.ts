import type { RulesSink } from "../rules-sink";
import { createEngineSink } from "../rules/sink";

/**
 * The rules engine (gateway/src/rules) behind the store's RulesSink seam. No facilities in
 * the config: no rules run. Invalid facilities throw FacilitiesConfigError (path + reason).
 */
export function createRulesSink(facilities: unknown): RulesSink | null {
  if (facilities === undefined || facilities === null) return null;
  return createEngineSink(facilities);
}
