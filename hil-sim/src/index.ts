export {};
export * from "./espruino";
// Clock, randomness, physics, weather, scenarios (named exports, so that modules exporting the
// same helper names elsewhere in hil-sim do not collide here).
export { VirtualClock, DEFAULT_START, type ClockMode, type ClockStats, type VirtualClockOptions, type VirtualTimer } from "./clock/virtual-clock";
export { IoGuard, type IoTicket } from "./clock/io-guard";
export { systemClock } from "./clock/system";
export { parseDuration, formatDuration, DurationError } from "./clock/duration";
export { Rng, type Seed } from "./rng";
export { CLIMATES, climateById, type Climate } from "./weather/climates";
export { Weather } from "./weather/weather";
export { UnknownQuantityError, type QuantitySource, type PhysicsModel } from "./physics/model";
export { pigEquivalents, PIG_EQUIVALENT, type HerdConfig } from "./physics/herd";
export { SlurryStore, type SlurryStoreConfig } from "./physics/slurry-store";
export { CompostPile, type CompostPileConfig } from "./physics/compost-pile";
export { Tanker, TANKER_STATES, type TankerConfig, type TankerTrip, type TankerState, type DischargeRecord } from "./physics/tanker";
export { Field, type FieldConfig } from "./physics/field";
export { FarmPhysics, type FarmPhysicsConfig } from "./physics/farm";
export type { Scenario, ScenarioEvent, Expectation, NodeSpec, DeviceSpec, FarmSpec } from "./scenario/types";
export { validateScenario, type ScenarioIssue } from "./scenario/validate";
export { loadScenario, listScenarios, resolveScenario, SCENARIO_DIR } from "./scenario/load";
export { Simulation, createSimulation, runScenario, hashTrace, checkScenario, type RunResult, type Trace, type SimulationOptions, type RunOptions, type Speed } from "./scenario/simulation";
export type { ExpectationResult } from "./scenario/expectations";
