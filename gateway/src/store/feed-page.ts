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

// A non-finite value (SQLite keeps ±Inf) is null, as JSON has no infinity: same as num() above.
const VALUE = "CASE WHEN abs(r.value) <= 1.7976931348623157e308 THEN r.value END";
const SENSOR = "coalesce(s.node || '/' || s.key, '?/?')";
const POS = "json_array(r.lat, r.lon, coalesce(r.fix, 0))";

interface PageStatements {
  readingsJson: Database.Statement;
  transitions: Database.Statement;
  ledger: Database.Statement;
}

const cache = new WeakMap<Database.Database, PageStatements>();

function statements(db: Database.Database): PageStatements {
  let st = cache.get(db);
  if (!st) {
    st = {
      readingsJson: db
        .prepare(
          `SELECT min(r.id), max(r.id), count(*), group_concat(
             CASE WHEN r.reason IS NULL AND (r.lat IS NULL OR r.lon IS NULL)
               THEN json_array(r.id, ${SENSOR}, r.t, ${VALUE}, r.flags)
               ELSE json_array(r.id, ${SENSOR}, r.t, ${VALUE}, r.flags,
                 CASE WHEN r.lat IS NULL OR r.lon IS NULL THEN json_object('e', r.reason)
                      WHEN r.reason IS NULL THEN json_object('p', ${POS})
                      ELSE json_object('e', r.reason, 'p', ${POS}) END)
             END, ',' ORDER BY r.id)
           FROM (SELECT id, sensor_id, t, value, flags, reason, lat, lon, fix FROM readings WHERE id > ? AND id <= ? ORDER BY id LIMIT ?) r
           LEFT JOIN sensors s ON s.id = r.sensor_id`,
        )
        .raw(),
      transitions: db.prepare("SELECT feed_seq FROM alert_transitions WHERE feed_seq > ? AND feed_seq <= ? ORDER BY feed_seq LIMIT 1").pluck(),
      ledger: db.prepare("SELECT feed_seq FROM ledger WHERE feed_seq > ? AND feed_seq <= ? ORDER BY feed_seq LIMIT 1").pluck(),
    };
    cache.set(db, st);
  }
  return st;
}

/**
 * Feed entries with after < seq <= upTo, at most limit, in commit order, as a FeedPage; null
 * when there are none. The same entries as feedAfter(after, limit) cut at upTo.
 */
export function feedPage(db: Database.Database, after: number, limit: number, upTo = Number.MAX_SAFE_INTEGER): FeedPage | null {
  const st = statements(db);
  const hasOthers = st.transitions.get(after, upTo) !== undefined || st.ledger.get(after, upTo) !== undefined;
  if (hasOthers) {
    // Alerts and ledger entries are rare: interleave them in JS, as the county feed does.
    const entries = feedAfter(db, after, limit).filter((e) => e.seq <= upTo);
    return entries.length > 0 ? pageOfEntries(entries) : null;
  }
  const [first, last, count, json] = st.readingsJson.get(after, upTo, limit) as [number | null, number | null, number, string | null];
  if (count === 0 || first === null || last === null) return null;
  return { first, last, count, readings: json ?? "", alerts: [], ledger: [] };
}
