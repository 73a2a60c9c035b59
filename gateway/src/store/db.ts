import Database from "better-sqlite3";
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";

export interface OpenOptions {
  synchronous: "FULL" | "NORMAL";
  maxPageCount?: number;
}

/**
 * Opens the database with the pragmas the gateway relies on.
 *
 * journal_mode=WAL: readers (HTTP API, upstream) never block the ingest writer.
 * synchronous=FULL: in WAL mode, NORMAL does not fsync the WAL at each commit, so a power cut
 * can lose the last transactions (https://sqlite.org/pragma.html#pragma_synchronous). Those
 * were already acked, and a node deletes what the gateway acked: the data would be gone for
 * good. FULL fsyncs the WAL before COMMIT returns; group commit amortises that fsync over many
 * messages, which is why it costs little.
 */
export function openDatabase(path: string, opts: OpenOptions): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${opts.synchronous}`);
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  // Keep the WAL from growing without bound between checkpoints (pages).
  db.pragma("wal_autocheckpoint = 1000");
  if (opts.maxPageCount) db.pragma(`max_page_count = ${opts.maxPageCount}`);
  return db;
}

export interface DiskUse {
  pageCount: number;
  pageSize: number;
  freePages: number;
  dbBytes: number;
  walBytes: number;
  maxPageCount: number;
}

export function diskUse(db: Database.Database, path: string): DiskUse {
  const pageCount = db.pragma("page_count", { simple: true }) as number;
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const freePages = db.pragma("freelist_count", { simple: true }) as number;
  const maxPageCount = db.pragma("max_page_count", { simple: true }) as number;
  let walBytes = 0;
  try {
    walBytes = statSync(path + "-wal").size;
  } catch {
    /* no WAL file yet */
  }
  return { pageCount, pageSize, freePages, dbBytes: pageCount * pageSize, walBytes, maxPageCount };
}
