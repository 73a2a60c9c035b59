import type { StatusMessage } from "@manure-edge/protocol";

/** A reading ready to store: time already on the gateway's clock when it had to be corrected. */
export interface ReadingInput {
  key: string;
  t: number;
  value: number | null;
  flags: number;
  reason: string | null;
  lat: number | null;
  lon: number | null;
  fix: number | null;
}

/** A validated uplink message, normalised for the store. */
export interface UplinkInput {
  kind: "up";
  node: string;
  boot: number;
  seq: number;
  /** UplinkMessage.p: the node's predecessor of this message (undefined: an older node without it). */
  pred?: [number, number] | 0;
  sentT: number;
  receivedAt: number;
  readings: ReadingInput[];
}

export interface RejectInput {
  kind: "reject";
  node: string | null;
  topic: string;
  reason: string;
  /** Raw payload (truncated before storing). */
  payload: string;
  receivedAt: number;
  /** Parsed (b, s) when the payload had them, so the node can be acked with `err`. */
  boot: number | null;
  seq: number | null;
  /** UplinkMessage.p when it was readable (see UplinkInput.pred). */
  pred?: [number, number] | 0;
}

export interface StatusInput {
  kind: "status";
  node: string;
  status: StatusMessage;
  receivedAt: number;
}

/** An event recorded by an operator, inferred by rules, or from a device: turning, pump-out... */
export interface EventInput {
  kind: "event";
  facility: string | null;
  type: string;
  t: number;
  source: string;
  by: string | null;
  data: unknown;
}

export type IngestItem = UplinkInput | RejectInput | StatusInput | EventInput;

/** A reading as committed, with its feed sequence number. */
export interface CommittedReading {
  seq: number;
  node: string;
  key: string;
  /** "<node>/<key>": unique across the farm. */
  sensor: string;
  sensorId: number;
  t: number;
  value: number | null;
  flags: number;
  reason: string | null;
  lat: number | null;
  lon: number | null;
  fix: number | null;
}

export interface CommittedEvent {
  id: number;
  facility: string | null;
  type: string;
  t: number;
  source: string;
  by: string | null;
  data: unknown;
}

export type AlertState = "raised" | "acknowledged" | "cleared";

/** An alert transition as the rules engine (or an operator) produces it. */
export interface AlertTransitionInput {
  rule: string;
  subject: string;
  facility: string | null;
  severity: string;
  to: AlertState;
  /** Data time of the transition. */
  t: number;
  message?: string;
  note?: string;
  by?: string;
  data?: unknown;
}

export interface CommittedTransition extends AlertTransitionInput {
  seq: number;
  alertId: number;
  from: AlertState | null;
}

/** A tanker ledger entry (load at a pit, unload at a field...). */
export interface LedgerEntryInput {
  t: number;
  kind: string;
  facility: string | null;
  site: string | null;
  tonnes: number;
  lat?: number | null;
  lon?: number | null;
  data?: unknown;
}

export interface CommittedLedgerEntry extends LedgerEntryInput {
  seq: number;
  id: number;
}

/** One (node, boot, seq) whose ack can be published now that its transaction committed. */
export interface AckDue {
  node: string;
  boot: number;
  seq: number;
  err?: string;
}

export interface CommittedBatch {
  readings: CommittedReading[];
  events: CommittedEvent[];
  transitions: CommittedTransition[];
  ledger: CommittedLedgerEntry[];
  /** Acks to publish, in item order: one cumulative per run of good messages, one per reject (with err). */
  acks: AckDue[];
  messages: number;
  duplicates: number;
  /** Messages stored but not acked yet: their predecessor has not arrived (store/ack-chain.ts). */
  unlinked?: number;
  /** New messages that reused an older message's (boot, seq) with another t (a node's boot counter went back). */
  reusedBoot?: number;
  rejects: number;
  statuses: number;
  commitMs: number;
}
