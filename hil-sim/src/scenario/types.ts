import type { CompostPileConfig } from "../physics/compost-pile";
import type { FieldConfig } from "../physics/field";
import type { LatLon } from "../physics/geo";
import type { SlurryStoreConfig } from "../physics/slurry-store";
import type { TankerConfig } from "../physics/tanker";

/**
 * A scenario file (hil-sim/scenarios/<name>.json). Times inside are ISO 8601 durations from
 * `start` ("P3D", "PT6H"); `start` is an ISO 8601 date-time with its offset.
 */
export interface Scenario {
  name: string;
  description?: string;
  /** ISO 8601 date-time with offset, e.g. "2026-06-01T00:00:00+08:00". */
  start: string;
  /** ISO 8601 duration of the run. */
  duration: string;
  /** Climate id (weather/climates.ts). */
  climate: string;
  /** Physics step, ISO 8601 duration. Default PT1M. */
  step?: string;
  /** Interval between trace rows, ISO 8601 duration. Default PT10M. */
  trace?: string;
  farm: FarmSpec;
  events?: ScenarioEvent[];
  expect?: Expectation[];
}

export interface FarmSpec {
  /** Farm id on the wire (topics). */
  id: string;
  nodes: NodeSpec[];
  stores?: StoreSpec[];
  piles?: (CompostPileConfig & Named)[];
  tankers?: (TankerConfig & Named)[];
  fields?: (FieldConfig & Named)[];
}

/** What the operator panel shows for a facility or a field (一号贮存池); its id when absent. Passed to the gateway's facilities configuration as `name`. */
export interface Named {
  name?: string;
}

/**
 * A store as the physics models it (`catchmentM2` = yard and roof area that REALLY drains into
 * it), plus what the farm DECLARES in the gateway's facilities configuration (`declared`).
 * They differ on purpose in scenarios where a farm claims rain–sewage separation (雨污分流)
 * but an undeclared yard still drains in: L9 must see more than the declared catchment explains.
 */
export type StoreSpec = SlurryStoreConfig & Named & { declared?: DeclaredStore };

/** Facts about a store the farm declares to the gateway; each defaults to the physics' value. */
export interface DeclaredStore {
  /** Catchment declared as draining into the store, m² (facilities `catchmentM2`). */
  catchmentM2?: number;
}

/**
 * A sensor node (ESP32 + RS485 bus) and the devices on its bus. The slaves layer builds a
 * Modbus slave per device from protocol/maps/<map>.json and reads its points from the physics
 * subject: point name → quantity via `bind`, else the quantity with the point's name.
 */
export interface NodeSpec {
  id: string;
  devices: DeviceSpec[];
  /** A GPS receiver on the node's own UART, following a tanker's position. */
  gps?: { tanker: string };
}

export interface DeviceSpec {
  /** Device id: readings are keyed "<device id>.<point name>" on the wire. */
  id: string;
  /** Modbus unit address 1..247. */
  unit: number;
  /** Register map id (protocol/maps/<map>.json). */
  map: string;
  /** Seconds between polls. */
  every: number;
  /** Seconds between polls while the value changes (weighing). */
  fast?: number;
  /** Physics subject the device measures (a store, pile, tanker, or "weather"). */
  subject: string;
  /** Point name → subject quantity, where they differ (e.g. {"t1": "core"}). */
  bind?: Record<string, string>;
  /** Measurement noise, standard deviation in engineering units (all points, or per point). */
  noise?: number | Record<string, number>;
}

interface At {
  /** When, as an ISO 8601 duration from the scenario's start. */
  at: string;
}

export type PhysicsEvent =
  | (At & { type: "turn"; pile: string })
  | (At & { type: "wetPile"; pile: string; pctPoints: number })
  | (At & { type: "pumpOut"; store: string; volumeM3: number; rateM3PerH?: number })
  | (At & { type: "tankerTrip"; tanker: string; store: string; volumeM3: number; to: string; route?: LatLon[] })
  | (At & { type: "storm"; duration: string; depthMm: number })
  | (At & { type: "coldSnap"; duration: string; deltaC: number })
  | (At & { type: "coverBroken"; store: string })
  | (At & { type: "coverRepaired"; store: string })
  | (At & { type: "leakStart"; store: string; rateMmPerDay: number })
  | (At & { type: "leakStop"; store: string })
  | (At & { type: "inflow"; store: string; factor: number });

/** Events for the node, bus and network layers: recorded and passed to listeners (sim.onEvent). */
export type NodeEvent =
  | (At & { type: "linkDown"; node: string })
  | (At & { type: "linkUp"; node: string })
  | (At & { type: "powerLoss"; node: string; duration?: string })
  | (At & { type: "powerRestore"; node: string })
  | (At & {
      type: "sensorFault";
      node: string;
      device: string;
      point?: string;
      fault: "unplugged" | "stuck" | "drift" | "dead" | "clear";
      /** drift: engineering units per day; stuck: the value to stick at (default: last). */
      value?: number;
    });

export type ScenarioEvent = PhysicsEvent | NodeEvent;

export const PHYSICS_EVENT_TYPES = [
  "turn",
  "wetPile",
  "pumpOut",
  "tankerTrip",
  "storm",
  "coldSnap",
  "coverBroken",
  "coverRepaired",
  "leakStart",
  "leakStop",
  "inflow",
] as const;
export const NODE_EVENT_TYPES = ["linkDown", "linkUp", "powerLoss", "powerRestore", "sensorFault"] as const;

export type AlertSeverity = "info" | "warn" | "critical";

/**
 * What must (or must not) happen. Alert expectations use the gateway rules engine's own rule ids
 * (L1…L10, C1…C11, T2, T4, H.stale, H.stuck, H.range, H.errors, H.disagree) and subjects exactly
 * as the engine writes them ("store:<id>", "pile:<id>", "tanker:<id>", "field:<id>:<season>",
 * "sensor:<node>/<device>.<point>"); see alert-match.ts and docs/rules.md. `noAlerts: true`
 * means no warn or critical alert (the info milestones C1, C11 are expected on a healthy farm);
 * `{noAlerts: {minSeverity: "info"}}` forbids those too. T1 is a ledger, not an alert: `ledger`. Gateway-level expectations (alerts, lost readings) are
 * recorded by the runner and evaluated by the gateway integration; physics-level ones are
 * evaluated by the runner itself.
 */
export type Expectation =
  // gateway level
  | { alert: string; subject?: string; between?: [string, string]; severity?: AlertSeverity }
  | { noAlert: string; subject?: string }
  | { noAlerts: true | { minSeverity: AlertSeverity } }
  | { ledger: "load" | "unload"; tanker?: string; site?: string | null; between?: [string, string] }
  | { noReadingLost: true }
  // physics level
  | { overflow: string; between?: [string, string] }
  | { noOverflow: string }
  | { quantity: string; stat: "max" | "min" | "final" | "mean"; above?: number; below?: number; between?: [string, string] }
  | { held: string; atLeast: number; for: string; between?: [string, string] }
  | { discharge: string; tanker?: string; offField?: boolean; between?: [string, string] };
