/**
 * Inputs and outputs of the rules engine. Everything here is plain JSON: the engine is pure
 * (no I/O, no clock) and its state can be snapshotted and restored.
 */

/** One reading as the rules see it (the store's committed reading, normalised). */
export interface RuleReading {
  /** Sensor key as configured in the facilities (the store's "<node>/<key>" or "<device>.<point>"). */
  sensor: string;
  /** Data time, epoch ms. */
  t: number;
  v: number | null;
  /** Protocol quality flags (protocol Q). */
  q: number;
  /** Position [lat, lon, fix quality] when the node has a GNSS receiver. */
  pos?: [number, number, number];
}

export type FarmEventKind =
  | "turning"
  | "pump-out"
  | "pump-out-planned"
  | "built"
  | "released"
  | "inflow"
  | (string & {});

/** An event from an operator, a device, or inferred by the rules (turnings). */
export interface FarmEvent {
  t: number;
  facility: string;
  kind?: FarmEventKind;
  /** The store's name for kind; accepted as an alias. */
  type?: string;
  data?: unknown;
}

export type Severity = "info" | "warn" | "critical";
export type AlertState = "raised" | "acknowledged" | "cleared";

/**
 * One alert transition. `from: null` for a new alert. A raised or acknowledged alert whose
 * severity rises emits a transition to "raised" with the new severity (it needs a new ack).
 */
export interface AlertTransition {
  /** "<rule>|<subject>": at most one open alert per key. */
  key: string;
  rule: string;
  /** "store:<id>", "pile:<id>", "tanker:<id>", "field:<id>:<season>", "sensor:<key>". */
  subject: string;
  facility: string | null;
  from: AlertState | null;
  to: AlertState;
  /** Data time of the transition. */
  t: number;
  severity: Severity;
  /** i18n message id; the panel renders it with params. */
  messageId: string;
  params: Record<string, number | string | boolean | null>;
  /** The value that decided (freeboard m, °C, mm/d...), null when not applicable. */
  value: number | null;
  /** Data time the alert was raised (identifies the alert instance). */
  raisedAt: number;
  by?: string;
  note?: string;
}

/** A tanker ledger entry (T1). Shaped like the store's LedgerEntryInput. */
export interface LedgerEntry {
  t: number;
  kind: "load" | "unload";
  /** Tanker id. */
  facility: string;
  /** Pit id for a load, field id for an unload, null when not at a known site. */
  site: string | null;
  tonnes: number;
  lat: number | null;
  lon: number | null;
  data: {
    tanker: string;
    from: string | null;
    to: string | null;
    tStart: number;
    tEnd: number;
    weightBefore: number;
    weightAfter: number;
    season?: string | null;
  };
}

/**
 * Flag for the store: readings of `sensor` with from <= t <= to get `q` OR-ed in
 * (Q.HEALTH_SUSPECT); `reason` says which health rule or that a reading came too late.
 */
export interface Annotation {
  sensor: string;
  from: number;
  to: number;
  q: number;
  reason: "stuck" | "out-of-range" | "probe-disagrees" | "late" | "clock-unsync" | "unknown-sensor";
}

export interface ProcessResult {
  transitions: AlertTransition[];
  ledger: LedgerEntry[];
  annotations: Annotation[];
  /** Events the rules inferred (turnings from the temperature curve), to be recorded. */
  events: FarmEvent[];
}

export interface Batch {
  readings: RuleReading[];
  events: FarmEvent[];
}
