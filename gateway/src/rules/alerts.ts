import type { AlertState, AlertTransition, Severity } from "./types";

/**
 * Alert lifecycle (domain-rules.md, "Alert lifecycle"): one open alert per (rule, subject);
 * raised → acknowledged (operator, note) → cleared automatically once the condition has been
 * false for a hold time. Hysteresis: rules report a tri-state, and "band" (between the raise
 * and the clear thresholds) keeps an open alert open, so a value hovering at a threshold does
 * not flap. All times are data time. The state is plain JSON (snapshot/restore).
 */

/**
 * What a rule says about its condition now:
 * - on: condition true (raise, or keep open; resets the clear timer);
 * - band: between the thresholds (keeps an open alert open, never raises);
 * - off: condition false (starts or continues the clear timer);
 * - unknown: no valid data (changes nothing).
 */
export type Cond =
  | { s: "on"; severity: Severity; messageId: string; params?: AlertTransition["params"]; value?: number | null }
  | { s: "band" | "off" | "unknown" };

export const OFF: Cond = { s: "off" };
export const BAND: Cond = { s: "band" };
export const UNKNOWN: Cond = { s: "unknown" };

export interface OpenAlert {
  key: string;
  rule: string;
  subject: string;
  facility: string | null;
  state: "raised" | "acknowledged";
  severity: Severity;
  messageId: string;
  params: AlertTransition["params"];
  value: number | null;
  raisedAt: number;
  /** Data time since which the condition has been continuously false, or null. */
  offSince: number | null;
  holdMs: number;
}

export interface AlertBookState {
  open: Record<string, OpenAlert>;
}

const RANK: Record<Severity, number> = { info: 0, warn: 1, critical: 2 };

export function alertKey(rule: string, subject: string): string {
  return `${rule}|${subject}`;
}

export class AlertBook {
  /** Open alerts per rule: lets the common case (none open for the rule, condition not on) return at once. */
  private readonly openRules = new Map<string, number>();
  private openCount = 0;

  constructor(
    readonly state: AlertBookState,
    private readonly holdMsFor: (rule: string) => number,
    private readonly emit: (t: AlertTransition) => void,
  ) {
    for (const a of Object.values(state.open)) this.count(a.rule, 1);
  }

  private count(rule: string, d: number): void {
    this.openCount += d;
    this.openRules.set(rule, (this.openRules.get(rule) ?? 0) + d);
  }

  static empty(): AlertBookState {
    return { open: {} };
  }

  isOpen(rule: string, subject: string): boolean {
    return this.state.open[alertKey(rule, subject)] !== undefined;
  }

  update(t: number, rule: string, subject: string, facility: string | null, c: Cond): void {
    if (c.s !== "on" && !this.openRules.get(rule)) return;
    const key = alertKey(rule, subject);
    const a = this.state.open[key];
    if (c.s === "on") {
      const params = c.params ?? {};
      const value = c.value ?? null;
      if (a === undefined) {
        const n: OpenAlert = {
          key, rule, subject, facility, state: "raised", severity: c.severity, messageId: c.messageId,
          params, value, raisedAt: t, offSince: null, holdMs: this.holdMsFor(rule),
        };
        this.state.open[key] = n;
        this.count(rule, 1);
        this.transition(n, null, "raised", t);
        return;
      }
      if (a.offSince !== null && t - a.offSince >= a.holdMs) {
        // It had been off long enough to clear before this new raise: clear, then raise anew.
        this.clear(a, a.offSince + a.holdMs);
        this.update(t, rule, subject, facility, c);
        return;
      }
      a.offSince = null;
      a.params = params;
      a.value = value;
      if (RANK[c.severity] > RANK[a.severity]) {
        // Escalation (L5 warn → critical): a new transition, and an acknowledged alert needs a new ack.
        const from = a.state;
        a.severity = c.severity;
        a.messageId = c.messageId;
        a.state = "raised";
        this.transition(a, from, "raised", t);
      }
      return;
    }
    if (a === undefined) return;
    if (c.s === "band") a.offSince = null;
    else if (c.s === "off" && a.offSince === null) a.offSince = t;
    this.tickOne(a, t);
  }

  /** Clear every open alert whose condition has been false for its hold time by data time t. */
  tick(t: number): void {
    if (this.openCount === 0) return;
    for (const key in this.state.open) {
      const a = this.state.open[key];
      if (a !== undefined) this.tickOne(a, t);
    }
  }

  /** Clear all open alerts of a subject now (a pile released, a season over). */
  closeSubject(subjectPrefix: string, t: number): void {
    for (const key of Object.keys(this.state.open)) {
      const a = this.state.open[key];
      if (a !== undefined && (a.subject === subjectPrefix || a.subject.startsWith(`${subjectPrefix}:`))) this.clear(a, t);
    }
  }

  acknowledge(key: string, note: string, user: string, t: number): AlertTransition {
    const a = this.state.open[key];
    if (a === undefined) throw new Error(`no open alert "${key}"`);
    if (a.state === "acknowledged") throw new Error(`alert "${key}" is already acknowledged`);
    const tr = this.make(a, a.state, "acknowledged", t);
    a.state = "acknowledged";
    tr.by = user;
    tr.note = note;
    this.emit(tr);
    return tr;
  }

  list(): OpenAlert[] {
    return Object.values(this.state.open);
  }

  private tickOne(a: OpenAlert, t: number): void {
    if (a.offSince !== null && t - a.offSince >= a.holdMs) this.clear(a, a.offSince + a.holdMs);
  }

  private clear(a: OpenAlert, t: number): void {
    delete this.state.open[a.key];
    this.count(a.rule, -1);
    this.transition(a, a.state, "cleared", t);
  }

  private transition(a: OpenAlert, from: AlertState | null, to: AlertState, t: number): void {
    this.emit(this.make(a, from, to, t));
  }

  private make(a: OpenAlert, from: AlertState | null, to: AlertState, t: number): AlertTransition {
    return {
      key: a.key, rule: a.rule, subject: a.subject, facility: a.facility, from, to, t,
      severity: a.severity, messageId: a.messageId, params: { ...a.params }, value: a.value, raisedAt: a.raisedAt,
    };
  }
}

/**
 * Threshold with hysteresis: "on" beyond `on`, "off" back past `off`, "band" between.
 * dir "above": on when v > on, off when v <= off (off < on). dir "below": mirrored.
 */
export function hyst(v: number, dir: "above" | "below", on: number, off: number): "on" | "off" | "band" {
  if (dir === "above") return v > on ? "on" : v <= off ? "off" : "band";
  return v < on ? "on" : v >= off ? "off" : "band";
}
