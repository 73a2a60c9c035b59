import type Database from "better-sqlite3";

/**
 * Deletes raw readings with data time before `before`, but never one that has not been
 * forwarded yet (seq > keepAfterSeq): an upstream outage longer than the retention period
 * must not eat the backlog. Rollups are kept. Works in chunks so the ingest writer is never
 * blocked for long; returns the number deleted.
 */
export function deleteOldReadings(db: Database.Database, before: number, keepAfterSeq: number, chunk = 5000): number {
  const sensors = db.prepare("SELECT id FROM sensors").pluck().all() as number[];
  const del = db.prepare(
    "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE sensor_id = ? AND t < ? AND id <= ? LIMIT ?)",
  );
  let total = 0;
  for (const s of sensors) {
    for (;;) {
      const n = del.run(s, before, keepAfterSeq, chunk).changes;
      total += n;
      if (n < chunk) break;
    }
  }
  // Messages only serve dedup and gap detection; a resend older than the retention period
  // is not expected (a node's flash holds days, not months).
  db.prepare("DELETE FROM messages WHERE received_at < ?").run(before);
  db.prepare("DELETE FROM rejects WHERE received_at < ?").run(before);
  return total;
}
