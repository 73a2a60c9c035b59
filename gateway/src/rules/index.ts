/** Public API of the rules engine (gateway/src/rules). See docs/rules.md. */
export { createRulesEngine, type RulesEngine, type EngineState } from "./engine";
export {
  facilitiesSchema, parseFacilities, validateFacilities, FacilitiesConfigError, type FacilitiesCheck,
  type FacilitiesConfig, type FacilitiesInput, type StoreConfig, type PileConfig, type TankerConfig, type FieldConfig, type PresetId,
} from "./config";
export { capacityAudit, describeAudit, type AuditResult } from "./capacity";
export { PRESETS, type Preset } from "./compost/presets";
export { AlertBook, hyst, type Cond } from "./alerts";
export type * from "./types";
export { MESSAGES, formatMessage, type Lang } from "./messages";
export { createEngineSink, type EngineSink, type EngineSinkResult } from "./sink";
