/** Shapes of gateway/openapi.yaml as the panel uses them (the API is the source of truth). */
export type Role = "viewer" | "operator" | "admin";
export type Severity = "info" | "warn" | "critical";
export type AlertState = "raised" | "acknowledged" | "cleared";
export type Params = Record<string, number | string | boolean | null>;

export interface Me {
  user: string;
  role: Role;
  csrf: string;
  expiresAt?: number;
}

export interface Alert {
  id: number;
  rule: string;
  subject: string;
  facility: string | null;
  severity: Severity;
  state: AlertState;
  /** The rules engine's message id (rendered through the catalogue). */
  message: string | null;
  /** Message parameters, when the API provides them. */
  params?: Params | null;
  data?: { params?: Params } | null;
  raisedT: number;
  updatedT: number;
  clearedT: number | null;
  ackNote: string | null;
  ackBy: string | null;
  ackT: number | null;
}

export interface FeedAlert {
  type: "alert";
  seq: number;
  alertId: number;
  rule: string;
  subject: string;
  facility: string | null;
  severity: Severity;
  from: AlertState | null;
  to: AlertState;
  t: number;
  message: string | null;
  params?: Params | null;
  data?: { params?: Params } | null;
  note: string | null;
  by: string | null;
}

export interface FeedReading {
  type: "reading";
  seq: number;
  sensor: string;
  node: string;
  key: string;
  t: number;
  value: number | null;
  flags: number;
  reason: string | null;
}

export interface FeedLedger {
  type: "ledger";
  seq: number;
  id: number;
  t: number;
  kind: "load" | "unload";
  facility: string | null;
  site: string | null;
  tonnes: number;
}

export interface Latest {
  t: number | null;
  value: number | null;
  flags: number | null;
}

export interface StoreState {
  id: string;
  type: string;
  covered: boolean;
  levelM: number | null;
  t: number | null;
  freeboardM: number | null;
  freeboardMinM: number;
  fillPct: number | null;
  volumeM3: number | null;
  netInflowMmD: number | null;
  daysToFull: number | null;
  threeProofing: { overflow: "ok" | "warn" | "alert"; seepage: "ok" | "alert"; rain: "ok" | "alert" };
}

export interface HarmlessProgress {
  preset: string;
  rule: string;
  thresholdC: number;
  requiredDays: number;
  heldDays: number;
  minTurnings: number;
  turnings: number;
  met: number | null;
  dipping: boolean;
}

export interface PileState {
  id: string;
  kind: string;
  preset: string;
  built: number | null;
  released: boolean;
  day: number | null;
  probes: { sensor: string; position: string; valueC: number | null; valid: boolean; t: number | null }[];
  coolestValid: { sensor: string; valueC: number } | null;
  harmlessness: HarmlessProgress[];
  turnings: number[];
  maturity: { harmless: boolean; ambientMeanC: number | null; coolDays: number; requiredDays: number; reheatedAfterLastTurn: boolean };
}

export interface TankerState {
  id: string;
  state: "stable" | "moving-or-filling" | "discharging";
  loadT: number | null;
  capacityT: number;
  today: { loadT: number; unloadT: number };
  fields: { id: string; name: string; crop: string; areaMu: number; season: string | null; appliedT: number; tPerMu: number; capTPerMu: number }[];
}

export interface Facility {
  id: string;
  kind: "store" | "pile" | "tanker";
  name: string | null;
  config: Record<string, unknown> & { thresholds?: Record<string, number> };
  sensors: string[];
  state: StoreState | PileState | TankerState | null;
  latest: Record<string, Latest>;
  openAlerts: Record<Severity, number>;
}

export interface FacilitiesAnswer {
  now: number | null;
  facilities: Facility[];
}

export interface EventRow {
  id: number;
  facility: string | null;
  type: string;
  t: number;
  source: string;
  by: string | null;
  data: unknown;
}

export interface FacilityDetail {
  facility: Facility;
  alerts: Alert[];
  events: EventRow[];
}

export interface AlertHistory {
  alert: Alert;
  transitions: FeedAlert[];
}

export interface RawPoint {
  t: number;
  value: number | null;
  flags: number;
}

export interface RollupPoint {
  t: number;
  min: number;
  max: number;
  avg: number;
  count: number;
  last: number;
}

export interface Readings {
  sensor: string;
  res: "raw" | "minute" | "hour";
  from: number;
  to: number;
  truncated: boolean;
  points: (RawPoint | RollupPoint)[];
}

export interface SensorRow {
  id: number;
  sensor: string;
  node: string;
  key: string;
  lastT: number | null;
  lastValue: number | null;
  lastFlags: number | null;
}

export interface NodeRow {
  id: string;
  online: boolean;
  lastSeen: number;
  fw: string | null;
  statusAt: number | null;
  bufferDepth: number | null;
  bufferDropped: number | null;
  modbus?: { ok: number; err: number; errorRate: number | null; offline: string[] };
  messages: number;
  duplicates: number;
  rejects: number;
  missing: number;
}

export type CommandState = "queued" | "sent" | "ok" | "failed" | "expired";

/** A command sent to a node and what became of it (GET /api/v1/nodes/{node}/commands). */
export interface CommandRow {
  id: string;
  node: string;
  op: "ping" | "resend" | "reboot" | "config";
  createdAt: number;
  createdBy: string;
  sentAt: number | null;
  state: CommandState;
  resultAt: number | null;
  err: string | null;
}

export interface LedgerField {
  tanker: string;
  field: string;
  name: string | null;
  season: string | null;
  crop: string | null;
  areaMu: number | null;
  capTPerMu: number | null;
  capT: number | null;
  tonnes: number;
  loads: number;
  overCap: boolean;
}

export interface LedgerAnswer {
  entries: FeedLedger[];
  fields: LedgerField[];
  totals: { loadedT: number; appliedT: number; unknownSiteT: number };
}
