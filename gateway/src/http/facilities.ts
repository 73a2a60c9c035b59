import { parseFacilities, type FacilitiesConfig } from "../rules/config";
import type { Store } from "../store/store";
import { openAlertCounts } from "./queries/alerts";

export type FacilityKind = "store" | "pile" | "tanker";

export interface FacilityDef {
  id: string;
  kind: FacilityKind;
  name: string | null;
  sensors: string[];
  config: unknown;
}

/** What the rules engine's state() returns, as far as the API relies on it. */
export interface RulesPanelState {
  now?: number | null;
  stores?: { id: string }[];
  piles?: { id: string }[];
  tankers?: { id: string }[];
}

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

export interface FacilityView {
  id: string;
  kind: FacilityKind;
  name: string | null;
  config: unknown;
  sensors: string[];
  state: unknown;
  latest: Record<string, { t: number | null; value: number | null; flags: number | null }>;
  openAlerts: Record<string, number>;
}

/** Facilities with their rules state, the latest reading of each sensor and open alerts. */
export function facilityViews(store: Store, defs: FacilityDef[], rules: RulesPanelState | null): { now: number | null; facilities: FacilityView[] } {
  const sensors = new Map(store.sensors().map((s) => [s.sensor, s]));
  const alerts = openAlertCounts(store.db);
  const stateOf = (d: FacilityDef): unknown => {
    const list = d.kind === "store" ? rules?.stores : d.kind === "pile" ? rules?.piles : rules?.tankers;
    return list?.find((x) => x && x.id === d.id) ?? null;
  };
  const facilities = defs.map((d): FacilityView => {
    const latest: FacilityView["latest"] = {};
    for (const k of d.sensors) {
      const s = sensors.get(k);
      latest[k] = s ? { t: s.lastT, value: s.lastValue, flags: s.lastFlags } : { t: null, value: null, flags: null };
    }
    return { id: d.id, kind: d.kind, name: d.name, config: d.config, sensors: d.sensors, state: stateOf(d), latest, openAlerts: alerts.get(d.id) ?? { info: 0, warn: 0, critical: 0 } };
  });
  return { now: rules?.now ?? null, facilities };
}
