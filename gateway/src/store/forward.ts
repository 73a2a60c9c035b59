import type Database from "better-sqlite3";

/** Durable state of a store-and-forward link: acknowledged cursor and unacknowledged batches. */
export interface OutboxBatch {
  first: number;
  last: number;
}

/** A batch's rendered body (features/upstream-payload.ts pageBody) and its number of feed entries. */
export interface RenderedBody {
  body: string;
  entries: number;
}

export class ForwardState {
  private readonly getCursor: Database.Statement;
  private readonly setCursorSt: Database.Statement;
  private readonly listSt: Database.Statement;
  private readonly addSt: Database.Statement;
  private readonly delSt: Database.Statement;
  private readonly unrenderedSt: Database.Statement;
  private readonly setBodySt: Database.Statement;
  private readonly bodySt: Database.Statement;
  private readonly renderedSt: Database.Statement;

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
    this.unrenderedSt = db.prepare("SELECT first_seq AS first, last_seq AS last FROM forward_outbox WHERE name = ? AND first_seq > ? AND body IS NULL ORDER BY first_seq LIMIT ?");
    this.setBodySt = db.prepare("UPDATE forward_outbox SET body = ?, entries = ? WHERE name = ? AND first_seq = ? AND last_seq = ?");
    this.bodySt = db.prepare("SELECT body, entries FROM forward_outbox WHERE name = ? AND first_seq = ? AND last_seq = ? AND body IS NOT NULL");
    this.renderedSt = db.prepare("SELECT coalesce(sum(entries), 0) FROM forward_outbox WHERE name = ? AND body IS NOT NULL").pluck();
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

  /** Up to `limit` batches after `after` (a first seq) whose body is not rendered, oldest first. */
  unrendered(after: number, limit: number): OutboxBatch[] {
    return this.unrenderedSt.all(this.name, after, limit) as OutboxBatch[];
  }

  /** Stores rendered bodies (one transaction). A batch acknowledged meanwhile is gone and stays gone. */
  setBodies(rows: (OutboxBatch & RenderedBody)[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.setBodySt.run(r.body, r.entries, this.name, r.first, r.last);
    })();
  }

  /** The rendered body of a batch, if it has one. */
  body(b: OutboxBatch): RenderedBody | undefined {
    return this.bodySt.get(this.name, b.first, b.last) as RenderedBody | undefined;
  }

  /** Feed entries whose batch body is rendered and not yet acknowledged. */
  renderedEntries(): number {
    return this.renderedSt.get(this.name) as number;
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
