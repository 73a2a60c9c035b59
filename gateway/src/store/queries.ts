import type Database from "better-sqlite3";
import { paramsOfInput } from "./params";
import { HOUR, MINUTE } from "./rollups";
import type { AlertState, ReadingInput } from "./types";

/**
 * Read-side queries, named for what the HTTP API and the CLI need. All take the database
 * handle and return plain JSON-ready objects; none writes.
 */

export interface NodeRow {
  id: string;
  firstSeen: number;
  lastSeen: number;
  lastBoot: number | null;
  lastSeq: number | null;
  state: string | null;
  fw: string | null;
  status: unknown;
  statusAt: number | null;
  messages: number;
  duplicates: number;
  rejects: number;
}

export function listNodes(db: Database.Database): NodeRow[] {
  const rows = db.prepare(
    `SELECT n.id, n.first_seen, n.last_seen, n.last_boot, n.last_seq, n.state, n.fw, n.status_json, n.status_at,
            COALESCE((SELECT SUM(count) FROM node_boots b WHERE b.node = n.id), 0) AS messages, n.duplicates, n.rejects
     FROM nodes n ORDER BY n.id`,
  ).all() as Record<string, unknown>[];
  return rows.map((r) => ({
    id: r.id as string,
    firstSeen: r.first_seen as number,
    lastSeen: r.last_seen as number,
    lastBoot: r.last_boot as number | null,
    lastSeq: r.last_seq as number | null,
    state: r.state as string | null,
    fw: r.fw as string | null,
    status: r.status_json ? JSON.parse(r.status_json as string) : null,
    statusAt: r.status_at as number | null,
    messages: r.messages as number,
    duplicates: r.duplicates as number,
    rejects: r.rejects as number,
  }));
}

export interface SequenceGap {
  node: string;
  boot: number;
  /** First missing seq. */
  from: number;
  /** Last missing seq. */
  to: number;
}

/**
 * Missing (node, boot, seq) ranges among the messages kept: a message a node never delivered
 * (dropped from a full flash, for example). Sequences start at 1 at every boot.
 */
export function sequenceGaps(db: Database.Database, node?: string): SequenceGap[] {
  const rows = db.prepare(
    `SELECT node, boot, seq, LAG(seq, 1, 0) OVER (PARTITION BY node, boot ORDER BY seq) AS prev
     FROM messages ${node ? "WHERE node = ?" : ""}`,
  );
  const out: SequenceGap[] = [];
  for (const r of (node ? rows.iterate(node) : rows.iterate()) as Iterable<{ node: string; boot: number; seq: number; prev: number }>) {
    if (r.seq > r.prev + 1) out.push({ node: r.node, boot: r.boot, from: r.prev + 1, to: r.seq - 1 });
  }
  return out;
}

export interface SensorRow {
  id: number;
  node: string;
  key: string;
  sensor: string;
  lastT: number | null;
  lastValue: number | null;
  lastFlags: number | null;
}

export function listSensors(db: Database.Database): SensorRow[] {
  return (db.prepare("SELECT id, node, key, last_t, last_value, last_flags FROM sensors ORDER BY node, key").all() as Record<string, unknown>[]).map((r) => ({
    id: r.id as number,
    node: r.node as string,
    key: r.key as string,
    sensor: `${r.node}/${r.key}`,
    lastT: r.last_t as number | null,
    lastValue: r.last_value as number | null,
    lastFlags: r.last_flags as number | null,
  }));
}

export function sensorId(db: Database.Database, node: string, key: string): number | null {
  const r = db.prepare("SELECT id FROM sensors WHERE node = ? AND key = ?").get(node, key) as { id: number } | undefined;
  return r ? r.id : null;
}

/** A stored reading of one sensor (its key is the query's), with its feed sequence. */
export interface RawReading extends Omit<ReadingInput, "key"> {
  seq: number;
}

export function rawReadings(db: Database.Database, sensor: number, from: number, to: number, limit = 100_000): RawReading[] {
  return db
    .prepare("SELECT id AS seq, t, value, flags, reason, lat, lon, fix FROM readings WHERE sensor_id = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?")
    .all(sensor, from, to, limit) as RawReading[];
}

export interface RollupPoint {
  t: number;
  min: number;
  max: number;
  avg: number;
  count: number;
  last: number;
}

export type Resolution = "raw" | "minute" | "hour";

/**
 * Resolution for a chart over [from, to): raw up to 6 h, minute rollups up to 7 d, hourly
 * beyond (a 30-day chart is 720 points).
 */
export function resolutionFor(from: number, to: number): Resolution {
  const span = to - from;
  if (span <= 6 * HOUR) return "raw";
  if (span <= 7 * 24 * HOUR) return "minute";
  return "hour";
}

export function rollupSeries(db: Database.Database, sensor: number, res: "minute" | "hour", from: number, to: number): RollupPoint[] {
  const table = res === "minute" ? "rollup_minute" : "rollup_hour";
  const step = res === "minute" ? MINUTE : HOUR;
  return db
    .prepare(`SELECT bucket AS t, min, max, sum / count AS avg, count, last FROM ${table} WHERE sensor_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`)
    .all(sensor, from - (((from % step) + step) % step), to) as RollupPoint[];
}

/** A stored reading as the feed gives it: the reading's own fields, plus where it sits. */
export interface FeedReading extends ReadingInput {
  type: "reading";
  seq: number;
  sensor: string;
  node: string;
}

export interface FeedTransition {
  type: "alert";
  seq: number;
  alertId: number;
  rule: string;
  subject: string;
  facility: string | null;
  /**
   * As the rules sink gave it: the store does not check it (no CHECK on the column; the
   * RulesSink seam takes any string), so it stays a string here.
   */
  severity: string;
  /** AlertWriter.apply in ./alerts.ts, the one insert, writes `to` from an AlertState and `from` from alerts.state, which has a CHECK. */
  from: AlertState | null;
  to: AlertState;
  t: number;
  message: string | null;
  note: string | null;
  by: string | null;
  /** The rules engine's message parameters (numbers of the sentence `msg.<message>`), or null. */
  params: Record<string, unknown> | null;
}

export interface FeedLedger {
  type: "ledger";
  seq: number;
  id: number;
  t: number;
  kind: string;
  facility: string | null;
  site: string | null;
  tonnes: number;
  lat: number | null;
  lon: number | null;
}

export type FeedEntry = FeedReading | FeedTransition | FeedLedger;

/**
 * Readings, alert transitions and ledger entries with feed seq > after, in commit order, at
 * most limit. The cursor for the next page is the last entry's seq: stable across restarts
 * (seqs are stored), so a county poller resumes exactly where it stopped.
 */
export function feedAfter(db: Database.Database, after: number, limit: number): FeedEntry[] {
  const st = feedStatements(db);
  const readings: FeedReading[] = [];
  for (const row of st.readings.all(after, limit) as [number, number, number, number | null, number, string | null, number | null, number | null, number | null][]) {
    let s = st.sensors.get(row[1]);
    if (!s) {
      const x = st.sensor.get(row[1]) as { node: string; key: string } | undefined;
      s = x ? { node: x.node, key: x.key, sensor: `${x.node}/${x.key}` } : { node: "?", key: "?", sensor: "?/?" };
      st.sensors.set(row[1], s);
    }
    readings.push({ type: "reading", seq: row[0], sensor: s.sensor, node: s.node, key: s.key, t: row[2], value: row[3], flags: row[4], reason: row[5], lat: row[6], lon: row[7], fix: row[8] });
  }
  const transitions = (st.transitions.all(after, limit) as TransitionRow[]).map(toFeedTransition);
  const ledger = (st.ledger.all(after, limit) as Omit<FeedLedger, "type">[]).map((r): FeedLedger => ({ type: "ledger", ...r }));
  if (transitions.length === 0 && ledger.length === 0) return readings;
  const all: FeedEntry[] = [...readings, ...transitions, ...ledger];
  all.sort((a, b) => a.seq - b.seq);
  return all.length > limit ? all.slice(0, limit) : all;
}

interface FeedStatements {
  readings: Database.Statement;
  sensor: Database.Statement;
  /** Sensor names by id: they never change, and a join per reading costs twice the read. */
  sensors: Map<number, { node: string; key: string; sensor: string }>;
  transitions: Database.Statement;
  ledger: Database.Statement;
}

const feedCache = new WeakMap<Database.Database, FeedStatements>();

/** Prepared once per connection: the feed is read in a loop by the upstream and the county API. */
function feedStatements(db: Database.Database): FeedStatements {
  let st = feedCache.get(db);
  if (!st) {
    st = {
      // Walks the primary key from the cursor; rows as arrays (better-sqlite3 raw mode).
      readings: db.prepare("SELECT id, sensor_id, t, value, flags, reason, lat, lon, fix FROM readings WHERE id > ? ORDER BY id LIMIT ?").raw(),
      sensor: db.prepare("SELECT node, key FROM sensors WHERE id = ?"),
      sensors: new Map(),
      transitions: db.prepare(`SELECT ${TRANSITION_COLUMNS} FROM alert_transitions WHERE feed_seq > ? ORDER BY feed_seq LIMIT ?`),
      ledger: db.prepare("SELECT feed_seq AS seq, id, t, kind, facility, site, tonnes, lat, lon FROM ledger WHERE feed_seq > ? ORDER BY feed_seq LIMIT ?"),
    };
    feedCache.set(db, st);
  }
  return st;
}

export function lastFeedSeq(db: Database.Database): number {
  const r = db.prepare("SELECT value FROM meta WHERE key = 'feed_seq'").get() as { value: string } | undefined;
  return r ? Number(r.value) : 0;
}

/** Columns of a transition in the feed's shape; `data` becomes `params` in toFeedTransition. */
export const TRANSITION_COLUMNS = `feed_seq AS seq, alert_id AS alertId, rule, subject, facility, severity, from_state AS "from", to_state AS "to", t, message, note, by, data`;

export type TransitionRow = Omit<FeedTransition, "type" | "params"> & { data: string | null };

/**
 * The params of a transition's stored data (the rules engine writes
 * `{key, from, params, value, raisedAt}`, gateway/src/rules/sink.ts), or null when it has none.
 */
export function paramsOfData(data: string | null): Record<string, unknown> | null {
  if (data === null) return null;
  try {
    return paramsOfInput(JSON.parse(data));
  } catch {
    return null;
  }
}

export function toFeedTransition(r: TransitionRow): FeedTransition {
  const { data, ...rest } = r;
  return { type: "alert", ...rest, params: paramsOfData(data) };
}

export interface AlertRow {
  id: number;
  rule: string;
  subject: string;
  facility: string | null;
  /** Not checked by the store (see FeedTransition.severity). */
  severity: string;
  /** CHECK (state IN ('raised','acknowledged','cleared')) on alerts.state (migration 1). */
  state: AlertState;
  message: string | null;
  raisedT: number;
  updatedT: number;
  clearedT: number | null;
  ackNote: string | null;
  ackBy: string | null;
  ackT: number | null;
  /** The params of the alert's latest transition that has any (an ack keeps the raise's numbers). */
  params: Record<string, unknown> | null;
}

/**
 * Columns of an alert; `data` is its latest transition's data with params (read through the
 * alert_transitions_alert index), turned into `params` by toAlertRow.
 */
export const ALERT_COLUMNS = `id, rule, subject, facility, severity, state, message, raised_t AS raisedT, updated_t AS updatedT, cleared_t AS clearedT,
  ack_note AS ackNote, ack_by AS ackBy, ack_t AS ackT,
  (SELECT x.data FROM alert_transitions x WHERE x.alert_id = alerts.id AND x.data IS NOT NULL AND json_type(x.data, '$.params') = 'object'
   ORDER BY x.feed_seq DESC LIMIT 1) AS data`;

export function toAlertRow(r: Omit<AlertRow, "params"> & { data: string | null }): AlertRow {
  const { data, ...rest } = r;
  return { ...rest, params: paramsOfData(data) };
}

export function listAlerts(db: Database.Database, opts: { open?: boolean; limit?: number } = {}): AlertRow[] {
  return (db
    .prepare(`SELECT ${ALERT_COLUMNS} FROM alerts ${opts.open ? "WHERE state != 'cleared'" : ""} ORDER BY id DESC LIMIT ?`)
    .all(opts.limit ?? 1000) as Parameters<typeof toAlertRow>[0][]).map(toAlertRow);
}

export function getAlert(db: Database.Database, id: number): AlertRow | null {
  const r = db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`).get(id) as Parameters<typeof toAlertRow>[0] | undefined;
  return r ? toAlertRow(r) : null;
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

export function listEvents(db: Database.Database, from: number, to: number, facility?: string): EventRow[] {
  const rows = db
    .prepare(`SELECT id, facility, type, t, source, by, data FROM events WHERE t >= ? AND t < ? ${facility ? "AND facility = ?" : ""} ORDER BY t`)
    .all(...(facility ? [from, to, facility] : [from, to])) as (Omit<EventRow, "data"> & { data: string | null })[];
  return rows.map((r) => ({ ...r, data: r.data ? JSON.parse(r.data) : null }));
}

export function listLedger(db: Database.Database, from: number, to: number): FeedLedger[] {
  return (db
    .prepare("SELECT feed_seq AS seq, id, t, kind, facility, site, tonnes, lat, lon FROM ledger WHERE t >= ? AND t < ? ORDER BY t")
    .all(from, to) as Omit<FeedLedger, "type">[]).map((r) => ({ type: "ledger", ...r }));
}

export interface RejectRow {
  id: number;
  receivedAt: number;
  node: string | null;
  topic: string;
  reason: string;
  payload: string | null;
}

export function recentRejects(db: Database.Database, limit = 100): RejectRow[] {
  return db
    .prepare("SELECT id, received_at AS receivedAt, node, topic, reason, payload FROM rejects ORDER BY id DESC LIMIT ?")
    .all(limit) as RejectRow[];
}

export function rejectCountsByReason(db: Database.Database): { reason: string; count: number }[] {
  return db.prepare("SELECT reason, COUNT(*) AS count FROM rejects GROUP BY reason ORDER BY count DESC").all() as { reason: string; count: number }[];
}

/** Every reading with from <= t < to, all sensors, ordered by sensor then time (for export). */
export function* readingsInRange(db: Database.Database, from: number, to: number): Generator<FeedReading> {
  const sensors = db.prepare("SELECT id, node, key FROM sensors ORDER BY node, key").all() as { id: number; node: string; key: string }[];
  const q = db.prepare("SELECT id AS seq, t, value, flags, reason, lat, lon, fix FROM readings WHERE sensor_id = ? AND t >= ? AND t < ? ORDER BY t");
  for (const s of sensors) {
    for (const r of q.iterate(s.id, from, to) as Iterable<RawReading>) {
      yield { type: "reading", sensor: `${s.node}/${s.key}`, node: s.node, key: s.key, ...r };
    }
  }
}

export interface TableCounts {
  [table: string]: number;
}

export function tableCounts(db: Database.Database): TableCounts {
  const out: TableCounts = {};
  for (const t of ["nodes", "messages", "sensors", "readings", "rejects", "events", "alerts", "alert_transitions", "ledger", "rollup_minute", "rollup_hour", "users", "api_tokens"]) {
    out[t] = (db.prepare(`SELECT COUNT(*) AS c FROM ${t}`).get() as { c: number }).c;
  }
  return out;
}
