import type Database from "better-sqlite3";

/** Durable state of a store-and-forward link: acknowledged cursor and unacknowledged batches. */
export interface OutboxBatch {
  first: number;
  last: number;
}

export class ForwardState {
  private readonly getCursor: Database.Statement;
  private readonly setCursorSt: Database.Statement;
  private readonly listSt: Database.Statement;
  private readonly addSt: Database.Statement;
  private readonly delSt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    readonly name: string,
  ) {
    this.getCursor = db.prepare("SELECT seq FROM forward_cursor WHERE name = ?");
    this.setCursorSt = db.prepare(
      "INSERT INTO forward_cursor (name, seq, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
    );
    this.listSt = db.prepare("SELECT first_seq AS first, last_seq AS last FROM forward_outbox WHERE name = ? ORDER BY first_seq");
    this.addSt = db.prepare("INSERT OR IGNORE INTO forward_outbox (name, first_seq, last_seq, created_at) VALUES (?, ?, ?, ?)");
    this.delSt = db.prepare("DELETE FROM forward_outbox WHERE name = ? AND first_seq <= ?");
  }

  cursor(): number {
    const r = this.getCursor.get(this.name) as { seq: number } | undefined;
    return r ? r.seq : 0;
  }

  outbox(): OutboxBatch[] {
    return this.listSt.all(this.name) as OutboxBatch[];
  }

  /**
   * Records batches before they are published (one transaction), so a restart re-sends them
   * with the same ids. `acked`, when given, also moves the cursor in the same transaction:
   * during a backlog drain the cursor rides on the outbox writes instead of costing a commit
   * (an fsync) of its own.
   */
  addBatches(bs: OutboxBatch[], now: number, acked?: number): void {
    if (bs.length === 0 && acked === undefined) return;
    this.db.transaction(() => {
      for (const b of bs) this.addSt.run(this.name, b.first, b.last, now);
      if (acked !== undefined) this.moveCursor(acked, now);
    })();
  }

  /** Batches up to and including `last` were acknowledged: advance the cursor, drop them. */
  acknowledge(last: number, now: number): void {
    this.db.transaction(() => this.moveCursor(last, now))();
  }

  private moveCursor(last: number, now: number): void {
    this.setCursorSt.run(this.name, last, now);
    this.delSt.run(this.name, last);
  }
}
