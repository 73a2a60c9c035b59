import type Database from "better-sqlite3";
import type { FeedTransition } from "../../store/queries";

/** An alert's transitions (its history), oldest first, in the feed's shape. */
export function alertTransitions(db: Database.Database, alertId: number): FeedTransition[] {
  return (db
    .prepare(
      `SELECT feed_seq AS seq, alert_id AS alertId, rule, subject, facility, severity, from_state AS "from", to_state AS "to", t, message, note, by
       FROM alert_transitions WHERE alert_id = ? ORDER BY feed_seq`,
    )
    .all(alertId) as Omit<FeedTransition, "type">[]).map((r) => ({ type: "alert", ...r }));
}

/** Open alerts counted per facility and severity (overview cards). */
export function openAlertCounts(db: Database.Database): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const rows = db.prepare("SELECT facility, severity, COUNT(*) AS n FROM alerts WHERE state != 'cleared' GROUP BY facility, severity").all() as { facility: string | null; severity: string; n: number }[];
  for (const r of rows) {
    const k = r.facility ?? "";
    const rec = out.get(k) ?? { info: 0, warn: 0, critical: 0 };
    rec[r.severity] = (rec[r.severity] ?? 0) + r.n;
    out.set(k, rec);
  }
  return out;
}

export function alertsByFacility(db: Database.Database, facility: string, limit: number) {
  return db
    .prepare(
      `SELECT id, rule, subject, facility, severity, state, message, raised_t AS raisedT, updated_t AS updatedT, cleared_t AS clearedT,
              ack_note AS ackNote, ack_by AS ackBy, ack_t AS ackT
       FROM alerts WHERE facility = ? ORDER BY (state = 'cleared'), id DESC LIMIT ?`,
    )
    .all(facility, limit);
}
