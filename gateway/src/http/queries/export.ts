import type Database from "better-sqlite3";
import type { FeedReading } from "../../store/queries";

/**
 * Readings of one sensor in [from, to), ordered by (t, seq), in pages after a (t, seq) key.
 * Keyset paging instead of one long iterator: better-sqlite3 cannot run other statements on
 * the connection while an iterator is open, and ingest shares that connection, so an export
 * streamed to a slow client must never hold one across an await.
 */
export class ExportPager {
  private readonly page: Database.Statement;
  private readonly sensorsSt: Database.Statement;

  constructor(db: Database.Database) {
    this.page = db.prepare(
      `SELECT id AS seq, t, value, flags, reason, lat, lon, fix FROM readings
       WHERE sensor_id = ? AND t >= ? AND t < ? AND (t > ? OR id > ?) ORDER BY t, id LIMIT ?`,
    );
    this.sensorsSt = db.prepare("SELECT id, node, key FROM sensors ORDER BY node, key");
  }

  sensors(): { id: number; node: string; key: string }[] {
    return this.sensorsSt.all() as { id: number; node: string; key: string }[];
  }

  /** The page after (afterT, afterSeq); start with (from, 0)... see next(). */
  next(sensor: { id: number; node: string; key: string }, from: number, to: number, after: { t: number; seq: number } | null, limit: number): FeedReading[] {
    const rows = this.page.all(sensor.id, after ? after.t : from, to, after ? after.t : from - 1, after ? after.seq : 0, limit) as Omit<FeedReading, "type" | "sensor" | "node" | "key">[];
    return rows.map((r) => ({ type: "reading", sensor: `${sensor.node}/${sensor.key}`, node: sensor.node, key: sensor.key, ...r }));
  }
}
