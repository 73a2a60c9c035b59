import { parseFacilities, type FacilitiesConfig, type PileConfig, type StoreConfig, type TankerConfig } from "../rules/config";
import type { RulesPanel } from "../rules/engine";
import type { Store } from "../store/store";
import { openAlertCounts } from "./queries/alerts";

export type FacilityKind = "store" | "pile" | "tanker";

interface DefOf<K extends FacilityKind, C> {
  id: string;
  kind: K;
  name: string | null;
  sensors: string[];
  config: C;
}

/** A configured facility with its sensors; `config` as the rules engine validated it. */
export type FacilityDef = DefOf<"store", StoreConfig> | DefOf<"pile", PileConfig> | DefOf<"tanker", TankerConfig>;

/**
 * What the rules engine's state() returns (RulesPanel), as far as the API relies on it; every
 * part optional, because the sink is duck-typed (rulesStateOf).
 */
export type RulesPanelState = Partial<Pick<RulesPanel, "now" | "stores" | "piles" | "tankers">>;

/**
 * The rules engine's panel state if the object handed to the gateway as its rules sink has
 * one: an engine (`state()`) or an adapter around one (`engine.state()`). Duck-typed, because
 * the sink's interface (rules-sink.ts) does not promise it.
 */
export function rulesStateOf(sink: unknown): (() => RulesPanelState | null) | null {
  const s = sink as { state?: () => unknown; engine?: { state?: () => unknown } } | null | undefined;
  if (s && typeof s.state === "function") return () => s.state!() as RulesPanelState;
  if (s && s.engine && typeof s.engine.state === "function") return () => s.engine!.state!() as RulesPanelState;
  return null;
}

/** The facilities of the configuration (validated the rules engine's way), with their sensors. */
export function facilityDefs(facilities: unknown): { defs: FacilityDef[]; config: FacilitiesConfig | null; error: string | null } {
  if (facilities === undefined || facilities === null) return { defs: [], config: null, error: null };
  let cfg: FacilitiesConfig;
  try {
    cfg = parseFacilities(facilities);
  } catch (e) {
    return { defs: [], config: null, error: (e as Error).message };
  }
  const defs: FacilityDef[] = [];
  const list = (...xs: (string | undefined)[]) => xs.filter((x): x is string => typeof x === "string");
  for (const s of cfg.stores) defs.push({ id: s.id, kind: "store", name: s.name ?? null, sensors: list(s.levelSensor, s.rainSensor, s.ambientSensor), config: s });
  for (const p of cfg.piles) defs.push({ id: p.id, kind: "pile", name: p.name ?? null, sensors: list(...p.probes.map((x) => x.sensor), p.ambientSensor), config: p });
  for (const t of cfg.tankers) defs.push({ id: t.id, kind: "tanker", name: t.name ?? null, sensors: list(t.weightSensor, t.positionSensor), config: t });
  return { defs, config: cfg, error: null };
}

/** The latest reading of one of a facility's sensors (nulls: no reading yet). */
export interface LatestReading {
  t: number | null;
  value: number | null;
  flags: number | null;
}

interface ViewOf<K extends FacilityKind, C, S> {
  id: string;
  kind: K;
  name: string | null;
  config: C;
  sensors: string[];
  /** The rules engine's panel state of the facility; null when the engine is not running. */
  state: S | null;
  latest: Record<string, LatestReading>;
  /** Open alerts by severity: info, warn and critical always, any other severity stored too. */
  openAlerts: Record<string, number>;
}

/** A facility in GET /api/v1/facilities (openapi.yaml Facility), by kind. */
export type FacilityView =
  | ViewOf<"store", StoreConfig, RulesPanel["stores"][number]>
  | ViewOf<"pile", PileConfig, RulesPanel["piles"][number]>
  | ViewOf<"tanker", TankerConfig, RulesPanel["tankers"][number]>;

/** GET /api/v1/facilities. */
export interface FacilitiesAnswer {
  /** Data time the rules engine has processed up to, null without one. */
  now: number | null;
  facilities: FacilityView[];
}

/** Facilities with their rules state, the latest reading of each sensor and open alerts. */
export function facilityViews(store: Store, defs: FacilityDef[], rules: RulesPanelState | null): FacilitiesAnswer {
  const sensors = new Map(store.sensors().map((s) => [s.sensor, s]));
  const alerts = openAlertCounts(store.db);
  const facilities = defs.map((d): FacilityView => {
    const latest: Record<string, LatestReading> = {};
    for (const k of d.sensors) {
      const s = sensors.get(k);
      latest[k] = s ? { t: s.lastT, value: s.lastValue, flags: s.lastFlags } : { t: null, value: null, flags: null };
    }
    const openAlerts = alerts.get(d.id) ?? { info: 0, warn: 0, critical: 0 };
    if (d.kind === "store") return view(d, stateOf(rules?.stores, d.id), latest, openAlerts);
    if (d.kind === "pile") return view(d, stateOf(rules?.piles, d.id), latest, openAlerts);
    return view(d, stateOf(rules?.tankers, d.id), latest, openAlerts);
  });
  return { now: rules?.now ?? null, facilities };
}

function stateOf<S extends { id: string }>(list: S[] | undefined, id: string): S | null {
  return list?.find((x) => x && x.id === id) ?? null;
}

/** One facility's answer; its keys in the order the API has always sent them. */
function view<K extends FacilityKind, C, S>(d: DefOf<K, C>, state: S | null, latest: Record<string, LatestReading>, openAlerts: Record<string, number>): ViewOf<K, C, S> {
  return { id: d.id, kind: d.kind, name: d.name, config: d.config, sensors: d.sensors, state, latest, openAlerts };
}
