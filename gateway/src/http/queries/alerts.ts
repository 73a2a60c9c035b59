import type Database from "better-sqlite3";
import { ALERT_COLUMNS, TRANSITION_COLUMNS, toAlertRow, toFeedTransition, type AlertRow, type FeedTransition, type TransitionRow } from "../../store/queries";

/** An alert's transitions (its history), oldest first, in the feed's shape. */
export function alertTransitions(db: Database.Database, alertId: number): FeedTransition[] {
  return (db.prepare(`SELECT ${TRANSITION_COLUMNS} FROM alert_transitions WHERE alert_id = ? ORDER BY feed_seq`).all(alertId) as TransitionRow[]).map(toFeedTransition);
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

export function alertsByFacility(db: Database.Database, facility: string, limit: number): AlertRow[] {
  return (db
    .prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE facility = ? ORDER BY (state = 'cleared'), id DESC LIMIT ?`)
    .all(facility, limit) as Parameters<typeof toAlertRow>[0][]).map(toAlertRow);
}
