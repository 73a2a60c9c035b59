import type Database from "better-sqlite3";
import type { FeedLedger } from "../../store/queries";

export interface LedgerRow extends FeedLedger {
  data: unknown;
}

/** Ledger entries with from <= t < to, oldest first, with their data (season, tanker, weights). */
export function ledgerWithData(db: Database.Database, from: number, to: number, limit = 100_000): LedgerRow[] {
  return (db
    .prepare("SELECT feed_seq AS seq, id, t, kind, facility, site, tonnes, lat, lon, data FROM ledger WHERE t >= ? AND t < ? ORDER BY t, id LIMIT ?")
    .all(from, to, limit) as (Omit<LedgerRow, "type" | "data"> & { data: string | null })[]).map((r) => ({ type: "ledger", ...r, data: r.data ? safeJson(r.data) : null }));
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
