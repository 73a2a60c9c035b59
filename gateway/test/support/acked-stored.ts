import { expect } from "vitest";
import Database from "better-sqlite3";
import type { SimNode } from "./sim-node";

/**
 * The database at `file` after crashes (kill9.test.ts, power-cut.test.ts): its integrity check
 * passes; every message `node` has had acked is stored exactly once with all its readings; and
 * no reading at all, acked or not, is stored twice.
 */
export function expectAckedStoredOnce(file: string, node: SimNode): void {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const acked = node.acked;
    const msgs = db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT seq) AS d, MIN(seq) AS lo, MAX(seq) AS hi FROM messages WHERE node = ? AND boot = ? AND seq <= ?").get(node.node, node.boot, acked) as Record<string, number>;
    expect(msgs).toEqual({ n: acked, d: acked, lo: 1, hi: acked });
    const readings = db.prepare(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT s.key || '@' || r.t) AS d FROM readings r JOIN sensors s ON s.id = r.sensor_id JOIN messages m ON m.id = r.message_id
       WHERE m.node = ? AND m.boot = ? AND m.seq <= ?`,
    ).get(node.node, node.boot, acked) as Record<string, number>;
    expect(readings).toEqual({ n: acked * node.readingsPerMessage, d: acked * node.readingsPerMessage });
    const dup = db.prepare("SELECT COUNT(*) AS n FROM (SELECT sensor_id, t FROM readings GROUP BY sensor_id, t HAVING COUNT(*) > 1)").get() as { n: number };
    expect(dup.n).toBe(0);
  } finally {
    db.close();
  }
}
