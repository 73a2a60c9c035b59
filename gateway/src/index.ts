// Public API of @manure-edge/gateway (for end-to-end tests and tools). See README.md.
export { Gateway, type GatewayDeps, type Health } from "./gateway";
export { loadConfig, parseConfig, ConfigError } from "./config/load";
export type { GatewayConfig } from "./config/schema";
export { hashSecret, verifySecret } from "./config/passwords";
export { Store } from "./store/store";
export type * from "./store/types";
export type { FeedEntry, FeedReading, FeedTransition, FeedLedger } from "./store/queries";
export type { RulesSink, RulesBatch, RulesResult } from "./rules-sink";
export type { UpstreamBatch } from "./features/upstream-payload";
export { systemClock } from "./clock";
export { createLogger, silentLogger, type Logger } from "./log";
export { Metrics } from "./metrics";
// The rules engine, for the simulator's scenario checks and rig (docs/rules.md).
export { createRulesEngine, createEngineSink, parseFacilities, type EngineSink } from "./rules";
export type { AlertTransition, FarmEvent, LedgerEntry, RuleReading } from "./rules";
