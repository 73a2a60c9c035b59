import type Database from "better-sqlite3";
import { feedAfter, type FeedEntry, type FeedLedger, type FeedReading, type FeedTransition } from "./queries";

/**
 * One page of the feed as the upstream link publishes it: the readings already as the JSON
 * tuples of the upstream payload (`[seq,"node/key",t,value,flags(,{"e":reason,"p":[lat,lon,fix]})?]`,
 * joined by commas, gateway/src/features/upstream-payload.ts), alert transitions and ledger
 * entries as objects. Draining a backlog is mostly readings, and turning a row into JS values
 * and then into JSON cost about 3 µs per reading; SQLite writes the same JSON text in about
 * 1 µs (json_array prints doubles so that they read back exactly, SQLite ≥ 3.43).
 */
export interface FeedPage {
  first: number;
  last: number;
  /** Entries in the page (readings + transitions + ledger). */
  count: number;
  readings: string;
  alerts: FeedTransition[];
  ledger: FeedLedger[];
}

/** The JSON text of one reading tuple, exactly as the SQL below writes it (up to number spelling). */
export function readingTuple(e: FeedReading): string {
  let s = "[" + e.seq + "," + JSON.stringify(e.sensor) + "," + e.t + "," + num(e.value) + "," + e.flags;
  const hasE = e.reason !== null;
  const hasP = e.lat !== null && e.lon !== null;
  if (hasE || hasP) {
    s += ",{";
    if (hasE) s += '"e":' + JSON.stringify(e.reason);
    if (hasP) s += (hasE ? "," : "") + '"p":[' + num(e.lat) + "," + num(e.lon) + "," + num(e.fix ?? 0) + "]";
    s += "}";
  }
  return s + "]";
}

const num = (v: number | null): string => (v === null || !Number.isFinite(v) ? "null" : String(v));

/** A page built from feed entries in JS (the fallback, and what tests compare the SQL with). */
export function pageOfEntries(entries: FeedEntry[]): FeedPage {
  const r: string[] = [];
  const alerts: FeedTransition[] = [];
  const ledger: FeedLedger[] = [];
  for (const e of entries) {
    if (e.type === "reading") r.push(readingTuple(e));
    else if (e.type === "alert") alerts.push(e);
    else ledger.push(e);
  }
  const first = entries.length > 0 ? entries[0].seq : 0;
  const last = entries.length > 0 ? entries[entries.length - 1].seq : 0;
  return { first, last, count: entries.length, readings: r.join(","), alerts, ledger };
}

/**
 * Sensor names ("node/key") by sensor id, in a TEMP table of this connection (never in the
 * database file): the page query looks a name up per reading, and a ready name costs less
 * than concatenating node and key per reading (about 12 % of the read). Sensors are never
 * renamed or renumbered, so the table only grows: new ids are copied before each page.
 */
const NAMES = "temp.feed_sensor_names";
const SENSOR = "coalesce(n.name, '?/?')";
const POS = "json_array(r.lat, r.lon, coalesce(r.fix, 0))";
/** A non-finite value (SQLite keeps ±Inf) is null, as JSON has no infinity: same as num() above. */
const FINITE_VALUE = "CASE WHEN abs(r.value) <= 1.7976931348623157e308 THEN r.value END";

/** One reading as its JSON tuple; `value` and `sensor` are the SQL for the value and the name. */
function tuple(value: string, sensor = SENSOR): string {
  return `CASE WHEN r.reason IS NULL AND (r.lat IS NULL OR r.lon IS NULL)
    THEN json_array(r.id, ${sensor}, r.t, ${value}, r.flags)
    ELSE json_array(r.id, ${sensor}, r.t, ${value}, r.flags,
      CASE WHEN r.lat IS NULL OR r.lon IS NULL THEN json_object('e', r.reason)
           WHEN r.reason IS NULL THEN json_object('p', ${POS})
           ELSE json_object('e', r.reason, 'p', ${POS}) END)
  END`;
}

/**
 * The readings with after < id <= end as one JSON text. `ordered` adds ORDER BY to the
 * aggregate, which makes SQLite sort the page (about a third of the read); without it the text
 * follows the loop order, which is the primary key when the plan is a range SEARCH of readings
 * with the name looked up per row (checked once per connection by planIsInOrder).
 */
export function readingsSql(value: string, ordered: boolean): string {
  return `SELECT group_concat(${tuple(value)}, ','${ordered ? " ORDER BY r.id" : ""})
    FROM readings r LEFT JOIN ${NAMES} n ON n.id = r.sensor_id WHERE r.id > ? AND r.id <= ?`;
}

/**
 * The statement of a page of consecutive ids (feedPage's common case): the number of readings
 * that have a name, then their JSON text. An inner join and no fallback name make about four
 * fewer VDBE steps per reading than readingsSql (about 5 % of the read); a reading whose name
 * is missing is not counted, so its page falls back to readingsSql, which writes "?/?".
 * CROSS JOIN keeps readings as the outer loop (SQLite does not reorder it), the order
 * planIsInOrder checks.
 */
export function denseSql(value: string, ordered: boolean): string {
  return `SELECT count(*), group_concat(${tuple(value, "n.name")}${ordered ? ", ',' ORDER BY r.id" : ""})
    FROM readings r CROSS JOIN ${NAMES} n ON n.id = r.sensor_id WHERE r.id > ? AND r.id <= ?`;
}

/** In the JSON text SQLite writes for ±Inf (json_array prints 9.0e+999; a finite double never has a 3-digit exponent above 308, and a false match only costs a second read). */
const INFINITE = "+999";

interface PageStatements {
  /** First reading id after the cursor. */
  firstId: Database.Statement;
  /** Last reading id of a full page: the limit-th id after the cursor, if there are that many. */
  pageEnd: Database.Statement;
  /** Last id and count of a page with fewer than limit readings (the tail of the feed). */
  tail: Database.Statement;
  /** Values as stored: the common case. A page whose text has an infinity is read again with `finite`. */
  readingsJson: Database.Statement;
  finite: Database.Statement;
  /** denseSql: count and text of the readings in (after, after + limit], as stored and finite. */
  dense: Database.Statement;
  denseFinite: Database.Statement;
  transitions: Database.Statement;
  ledger: Database.Statement;
  maxSensor: Database.Statement;
  copyNames: Database.Statement;
  namesUpTo: number;
}

const cache = new WeakMap<Database.Database, PageStatements>();

/**
 * True when SQLite runs the page query as an outer loop over readings by primary key range
 * with the sensor name looked up per row, so group_concat sees the rows in id order.
 */
export function planIsInOrder(db: Database.Database): boolean {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS feed_sensor_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`);
  return [readingsSql("r.value", false), denseSql("r.value", false)].every((sql) => {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(0, 0) as { detail: string }[]).map((p) => p.detail);
    return plan.length === 2 && /^SEARCH r USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)$/.test(plan[0]) && /^SEARCH n USING INTEGER PRIMARY KEY \(rowid=\?\)/.test(plan[1]);
  });
}

function statements(db: Database.Database): PageStatements {
  let st = cache.get(db);
  if (!st) {
    const ordered = !planIsInOrder(db);
    st = {
      firstId: db.prepare("SELECT id FROM readings WHERE id > ? AND id <= ? ORDER BY id LIMIT 1").pluck(),
      pageEnd: db.prepare("SELECT id FROM readings WHERE id > ? AND id <= ? ORDER BY id LIMIT 1 OFFSET ?").pluck(),
      tail: db.prepare("SELECT max(id), count(*) FROM readings WHERE id > ? AND id <= ?").raw(),
      readingsJson: db.prepare(readingsSql("r.value", ordered)).pluck(),
      finite: db.prepare(readingsSql(FINITE_VALUE, ordered)).pluck(),
      dense: db.prepare(denseSql("r.value", ordered)).raw(),
      denseFinite: db.prepare(denseSql(FINITE_VALUE, ordered)).raw(),
      transitions: db.prepare("SELECT feed_seq FROM alert_transitions WHERE feed_seq > ? AND feed_seq <= ? ORDER BY feed_seq LIMIT 1").pluck(),
      ledger: db.prepare("SELECT feed_seq FROM ledger WHERE feed_seq > ? AND feed_seq <= ? ORDER BY feed_seq LIMIT 1").pluck(),
      maxSensor: db.prepare("SELECT coalesce(max(id), 0) FROM sensors").pluck(),
      copyNames: db.prepare(`INSERT OR IGNORE INTO ${NAMES} (id, name) SELECT id, node || '/' || key FROM sensors WHERE id > ?`),
      namesUpTo: 0,
    };
    cache.set(db, st);
  }
  return st;
}

/** Copies the names of sensors created since the last page into the TEMP name table. */
function syncNames(st: PageStatements): void {
  const max = st.maxSensor.get() as number;
  if (max > st.namesUpTo) {
    st.copyNames.run(st.namesUpTo);
    st.namesUpTo = max;
  }
}

/**
 * Feed entries with after < seq <= upTo, at most limit, in commit order, as a FeedPage; null
 * when there are none. The same entries as feedAfter(after, limit) cut at upTo.
 */
export function feedPage(db: Database.Database, after: number, limit: number, upTo = Number.MAX_SAFE_INTEGER): FeedPage | null {
  const st = statements(db);
  // The common case while a backlog drains: the next `limit` feed seqs are all readings. One
  // counter numbers readings, alert transitions and ledger entries, so `limit` readings in
  // (after, after + limit] leave room for nothing else: the page is read with one statement
  // instead of seven (about 5 % of the read). A reading of a sensor not yet in the name table
  // is not counted (denseSql), so that page takes the general path below, which copies names.
  if (upTo - after >= limit) {
    const [n, text] = st.dense.get(after, after + limit) as [number, string | null];
    if (n === limit && text !== null) {
      const json = text.includes(INFINITE) ? (st.denseFinite.get(after, after + limit) as [number, string])[1] : text;
      return { first: after + 1, last: after + limit, count: limit, readings: json, alerts: [], ledger: [] };
    }
  }
  syncNames(st);
  const hasOthers = st.transitions.get(after, upTo) !== undefined || st.ledger.get(after, upTo) !== undefined;
  if (hasOthers) {
    // Alerts and ledger entries are rare: interleave them in JS, as the county feed does.
    const entries = feedAfter(db, after, limit).filter((e) => e.seq <= upTo);
    return entries.length > 0 ? pageOfEntries(entries) : null;
  }
  // Without alerts or ledger entries in (after, upTo], the page is the next `limit` readings.
  const first = st.firstId.get(after, upTo) as number | undefined;
  if (first === undefined) return null;
  let last = st.pageEnd.get(after, upTo, limit - 1) as number | undefined;
  let count = limit;
  if (last === undefined) [last, count] = st.tail.get(after, upTo) as [number, number];
  let json = st.readingsJson.get(after, last) as string;
  if (json.includes(INFINITE)) json = st.finite.get(after, last) as string;
  return { first, last, count, readings: json, alerts: [], ledger: [] };
}
