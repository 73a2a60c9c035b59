import type Database from "better-sqlite3";
import type { AlertState, AlertTransitionInput, CommittedTransition } from "./types";

interface OpenAlert {
  id: number;
  state: AlertState;
}

/**
 * Applies alert transitions to the alerts table and records each in alert_transitions with a
 * feed sequence number. Runs inside the caller's transaction.
 */
export class AlertWriter {
  private readonly findOpen: Database.Statement;
  private readonly insertAlert: Database.Statement;
  private readonly updateRaised: Database.Statement;
  private readonly updateAck: Database.Statement;
  private readonly updateCleared: Database.Statement;
  private readonly insertTransition: Database.Statement;

  constructor(db: Database.Database) {
    this.findOpen = db.prepare("SELECT id, state FROM alerts WHERE rule = ? AND subject = ? AND state != 'cleared'");
    this.insertAlert = db.prepare(
      "INSERT INTO alerts (rule, subject, facility, severity, state, message, raised_t, updated_t) VALUES (?, ?, ?, ?, 'raised', ?, ?, ?)",
    );
    this.updateRaised = db.prepare("UPDATE alerts SET severity = ?, message = COALESCE(?, message), updated_t = ? WHERE id = ?");
    this.updateAck = db.prepare("UPDATE alerts SET state = 'acknowledged', ack_note = ?, ack_by = ?, ack_t = ?, updated_t = ? WHERE id = ?");
    this.updateCleared = db.prepare("UPDATE alerts SET state = 'cleared', cleared_t = ?, updated_t = ? WHERE id = ?");
    this.insertTransition = db.prepare(
      `INSERT INTO alert_transitions (feed_seq, alert_id, rule, subject, facility, severity, from_state, to_state, t, message, note, by, data, committed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Returns the committed transition, or null when it does not apply (ack/clear of no open alert). */
  apply(tr: AlertTransitionInput, nextSeq: () => number, now: number): CommittedTransition | null {
    const open = this.findOpen.get(tr.rule, tr.subject) as OpenAlert | undefined;
    let alertId: number;
    let from: AlertState | null = open ? open.state : null;
    if (tr.to === "raised") {
      if (open) {
        alertId = open.id;
        this.updateRaised.run(tr.severity, tr.message ?? null, tr.t, open.id);
      } else {
        alertId = Number(this.insertAlert.run(tr.rule, tr.subject, tr.facility, tr.severity, tr.message ?? null, tr.t, tr.t).lastInsertRowid);
        from = null;
      }
    } else if (!open) {
      return null;
    } else if (tr.to === "acknowledged") {
      if (open.state === "acknowledged") return null;
      alertId = open.id;
      this.updateAck.run(tr.note ?? null, tr.by ?? null, tr.t, tr.t, open.id);
    } else {
      alertId = open.id;
      this.updateCleared.run(tr.t, tr.t, open.id);
    }
    const seq = nextSeq();
    this.insertTransition.run(
      seq, alertId, tr.rule, tr.subject, tr.facility, tr.severity, from, tr.to, tr.t,
      tr.message ?? null, tr.note ?? null, tr.by ?? null, tr.data === undefined ? null : JSON.stringify(tr.data), now,
    );
    return { ...tr, seq, alertId, from };
  }
}
