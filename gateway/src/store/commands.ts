import type Database from "better-sqlite3";
import type { CommandOp } from "@manure-edge/protocol";

export type CommandState = "queued" | "sent" | "ok" | "failed" | "expired";

/** A command as stored (table `commands`, migration 2) and as the API answers it. */
export interface CommandRow {
  id: string;
  node: string;
  op: CommandOp;
  /** op "config": the configuration sent, with its secrets replaced (see redactConfig). */
  cfg: unknown;
  createdAt: number;
  createdBy: string;
  /** When the broker took the message (QoS 1 publish completed); null while queued. */
  sentAt: number | null;
  state: CommandState;
  /** Gateway time the node's result arrived (or the command expired). */
  resultAt: number | null;
  /** The node's own time in its result (CommandResult.t), null until it answered. */
  resultT: number | null;
  err: string | null;
}

interface Raw {
  id: string;
  node: string;
  op: string;
  payload: string | null;
  created_at: number;
  created_by: string;
  sent_at: number | null;
  state: string;
  result_at: number | null;
  result_t: number | null;
  err: string | null;
}

/** The node's err for a command that reached it past its deadline (protocol CommandMessage.exp). */
export const NODE_EXPIRED = "expired";

function toRow(r: Raw): CommandRow {
  return {
    id: r.id, node: r.node, op: r.op as CommandOp, cfg: r.payload === null ? null : (JSON.parse(r.payload) as unknown),
    createdAt: r.created_at, createdBy: r.created_by, sentAt: r.sent_at, state: r.state as CommandState,
    resultAt: r.result_at, resultT: r.result_t, err: r.err,
  };
}

/** What became of a node's result (CommandResult) applied to the table. */
export type ResultOutcome =
  | { kind: "applied"; row: CommandRow; late: boolean; notRun: boolean }
  /** Already ok/failed: the same result again (QoS 1 redelivery, a node resending). Nothing changed. */
  | { kind: "duplicate"; row: CommandRow }
  | { kind: "unknown" }
  | { kind: "wrong_node"; row: CommandRow };

/**
 * The named queries of the commands feature. Synchronous better-sqlite3 statements on the
 * store's one connection, so they never interleave with a group-commit transaction.
 */
export class CommandQueries {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      insert: db.prepare("INSERT INTO commands (id, node, op, payload, created_at, created_by, state) VALUES (?, ?, ?, ?, ?, ?, 'queued')"),
      get: db.prepare("SELECT * FROM commands WHERE id = ?"),
      list: db.prepare("SELECT * FROM commands WHERE node = ? ORDER BY created_at DESC, rowid DESC LIMIT ?"),
      // Only a queued command becomes sent: a fast node's result may have arrived first.
      sent: db.prepare("UPDATE commands SET sent_at = ?, state = 'sent' WHERE id = ? AND state = 'queued'"),
      sentAt: db.prepare("UPDATE commands SET sent_at = ? WHERE id = ? AND sent_at IS NULL"),
      result: db.prepare("UPDATE commands SET state = ?, result_at = ?, result_t = ?, err = ? WHERE id = ?"),
      fail: db.prepare("UPDATE commands SET state = 'failed', result_at = ?, err = ? WHERE id = ? AND state IN ('queued','sent')"),
      expire: db.prepare("UPDATE commands SET state = 'expired', result_at = ?, err = ? WHERE id = ? AND state IN ('queued','sent')"),
      open: db.prepare("SELECT * FROM commands WHERE state IN ('queued','sent') ORDER BY created_at"),
      openCount: db.prepare("SELECT node, COUNT(*) AS n FROM commands WHERE state IN ('queued','sent') GROUP BY node"),
      openForNode: db.prepare("SELECT COUNT(*) AS n FROM commands WHERE node = ? AND state IN ('queued','sent')"),
      nodeSeen: db.prepare("SELECT 1 FROM nodes WHERE id = ?"),
      countByState: db.prepare("SELECT state, COUNT(*) AS n FROM commands GROUP BY state"),
    };
  }

  insert(c: { id: string; node: string; op: CommandOp; cfg: unknown; createdAt: number; createdBy: string }): void {
    this.s.insert.run(c.id, c.node, c.op, c.cfg === undefined ? null : JSON.stringify(c.cfg), c.createdAt, c.createdBy);
  }

  get(id: string): CommandRow | null {
    const r = this.s.get.get(id) as Raw | undefined;
    return r ? toRow(r) : null;
  }

  /** A node's commands, newest first. */
  list(node: string, limit: number): CommandRow[] {
    return (this.s.list.all(node, limit) as Raw[]).map(toRow);
  }

  markSent(id: string, at: number): void {
    if (this.s.sent.run(at, id).changes === 0) this.s.sentAt.run(at, id);
  }

  /** The broker would not take the message: the command failed at the gateway. */
  markFailed(id: string, at: number, err: string): boolean {
    return this.s.fail.run(at, err, id).changes > 0;
  }

  /** No result within the timeout. False if it was answered (or expired) meanwhile. */
  expire(id: string, at: number, err: string): boolean {
    return this.s.expire.run(at, err, id).changes > 0;
  }

  /**
   * The node's result for `id`, received on `node`'s cmd/res topic. A first result wins: a
   * second one (ok or not) changes nothing, so a redelivered result is idempotent. A result
   * after expiry is still recorded (the node did run the command), marked late. A node that
   * got the command after its deadline (`exp`) answers err "expired" without running it:
   * the command is then `expired`, whatever the gateway's timer had said.
   */
  applyResult(id: string, node: string, ok: boolean, err: string | null, resultT: number, at: number): ResultOutcome {
    return this.db.transaction((): ResultOutcome => {
      const row = this.get(id);
      if (!row) return { kind: "unknown" };
      if (row.node !== node) return { kind: "wrong_node", row };
      if (row.state === "ok" || row.state === "failed") return { kind: "duplicate", row };
      const late = row.state === "expired";
      const notRun = !ok && err === NODE_EXPIRED;
      if (notRun) this.s.result.run("expired", at, resultT, "the node got it after its deadline and did not run it", id);
      else this.s.result.run(ok ? "ok" : "failed", at, resultT, ok ? null : err, id);
      return { kind: "applied", row: this.get(id)!, late, notRun };
    })();
  }

  /** Commands still waiting for a result (queued or sent), oldest first. */
  open(): CommandRow[] {
    return (this.s.open.all() as Raw[]).map(toRow);
  }

  /** The node has sent something (it has a row in `nodes`). */
  nodeSeen(node: string): boolean {
    return this.s.nodeSeen.get(node) !== undefined;
  }

  openForNode(node: string): number {
    return (this.s.openForNode.get(node) as { n: number }).n;
  }

  openByNode(): { node: string; n: number }[] {
    return this.s.openCount.all() as { node: string; n: number }[];
  }

  countByState(): { state: string; n: number }[] {
    return this.s.countByState.all() as { state: string; n: number }[];
  }
}
