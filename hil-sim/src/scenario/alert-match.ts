import { parseDuration } from "../clock/duration";
import type { AlertSeverity, Expectation, Scenario } from "./types";

/**
 * Gateway-level expectations of a scenario (alerts, ledger) checked against what the gateway's
 * rules engine produced (gateway/src/rules, docs/rules.md). Used by the physics-level proof
 * (test/scenarios-vs-rules.test.ts) and meant for the rig (src/rig/) so both judge alike.
 *
 * Matching rules:
 * - `alert` is the engine's rule id exactly (L1…L10, C1…C11, T2, T4, H.stale, H.stuck,
 *   H.range, H.errors, H.disagree). T1 is not an alert: it is the ledger (`ledger`).
 * - `subject` is the engine's subject exactly: "store:<id>", "pile:<id>", "tanker:<id>",
 *   "field:<field id>:<season>" (season = the field's configured season name, else the local
 *   calendar year, e.g. "field:paddy-1:2026"), "sensor:<node>/<device>.<point>". No prefix or
 *   suffix guessing: a subject that differs is another alert.
 * - An alert counts when raised (a transition to "raised": a new alert or an escalation) inside
 *   `between` (offsets from the scenario's start, both ends included), with `severity` if given.
 * - `noAlert` forbids the rule (on the subject if given) at any severity.
 * - `noAlerts: true` forbids every warn and critical alert; the info milestones (C1 harmless,
 *   C11 maturity candidate, C9) are expected on a healthy farm (docs/rules.md). `noAlerts:
 *   {minSeverity: "info"}` forbids those too.
 */

export const SEVERITIES: readonly AlertSeverity[] = ["info", "warn", "critical"];
const RANK: Record<AlertSeverity, number> = { info: 0, warn: 1, critical: 2 };

/** What the matcher needs of an engine alert transition (gateway AlertTransition, or the store's row). */
export interface SeenTransition {
  rule: string;
  subject: string;
  to: string;
  severity: string;
  /** Data time, epoch ms. */
  t: number;
}

/** What the matcher needs of a ledger entry (gateway LedgerEntry). */
export interface SeenLedgerEntry {
  kind: "load" | "unload";
  facility: string;
  site: string | null;
  tonnes: number;
  t: number;
}

export interface AlertExpectationResult {
  expect: Expectation;
  status: "pass" | "fail";
  detail: string;
}

export const isAlertLevel = (e: Expectation): boolean => "alert" in e || "noAlert" in e || "noAlerts" in e || "ledger" in e;

/**
 * Checks an expectation subject against the engine's subject formats and the scenario's
 * facilities; returns why it is wrong, or null.
 */
export function checkAlertSubject(subject: string, s: Scenario): string | null {
  const colon = subject.indexOf(":");
  const kind = subject.slice(0, colon);
  const rest = subject.slice(colon + 1);
  const farm = s?.farm;
  const ids = (xs: { id: string }[] | undefined) => new Set((Array.isArray(xs) ? xs : []).map((x) => x?.id));
  const known = (set: Set<string>, id: string, what: string) => (set.has(id) ? null : `unknown ${what} "${id}"`);
  switch (colon < 0 ? "" : kind) {
    case "store":
      return known(ids(farm?.stores), rest, "store");
    case "pile":
      return known(ids(farm?.piles), rest, "pile");
    case "tanker":
      return known(ids(farm?.tankers), rest, "tanker");
    case "field": {
      const [id, season] = [rest.slice(0, rest.indexOf(":")), rest.slice(rest.indexOf(":") + 1)];
      if (rest.indexOf(":") < 0 || season === "") return 'must be "field:<field id>:<season>" (season: configured name or the local year)';
      return known(ids(farm?.fields), id, "field");
    }
    case "sensor": {
      const m = /^([^/]+)\/([^.]+)\.(.+)$/.exec(rest);
      if (!m) return 'must be "sensor:<node>/<device>.<point>"';
      const node = (Array.isArray(farm?.nodes) ? farm.nodes : []).find((n) => n?.id === m[1]);
      if (!node) return `unknown node "${m[1]}"`;
      if (!(Array.isArray(node.devices) ? node.devices : []).some((d) => d?.id === m[2])) return `node "${m[1]}" has no device "${m[2]}"`;
      return null;
    }
    default:
      return 'must be the engine\'s subject: "store:<id>", "pile:<id>", "tanker:<id>", "field:<id>:<season>" or "sensor:<node>/<device>.<point>"';
  }
}

const offset = (start: number, t: number) => `P${((t - start) / 86_400_000).toFixed(2)}D`;

/** Evaluates every alert-level expectation of the scenario; others are skipped. */
export function evaluateAlertExpectations(
  scenario: Scenario,
  seen: { transitions: SeenTransition[]; ledger: SeenLedgerEntry[] },
): AlertExpectationResult[] {
  const start = Date.parse(scenario.start);
  const raised = seen.transitions.filter((x) => x.to === "raised");
  const window = (b: [string, string] | undefined): [number, number] =>
    b ? [start + parseDuration(b[0]), start + parseDuration(b[1])] : [-Infinity, Infinity];
  const list = (xs: SeenTransition[]) => xs.map((x) => `${x.rule} ${x.subject} (${x.severity}) at ${offset(start, x.t)}`).join(", ");
  const out: AlertExpectationResult[] = [];
  for (const e of scenario.expect ?? []) {
    if ("alert" in e) {
      const [from, to] = window(e.between);
      const cands = raised.filter((x) => x.rule === e.alert && (e.subject === undefined || x.subject === e.subject) && (e.severity === undefined || x.severity === e.severity));
      const hit = cands.find((x) => x.t >= from && x.t <= to);
      out.push({
        expect: e,
        status: hit ? "pass" : "fail",
        detail: hit
          ? `raised: ${list([hit])}`
          : cands.length > 0
            ? `raised only outside the window: ${list(cands)}`
            : `never raised (raised: ${list(raised) || "nothing"})`,
      });
    } else if ("noAlert" in e) {
      const bad = raised.filter((x) => x.rule === e.noAlert && (e.subject === undefined || x.subject === e.subject));
      out.push({ expect: e, status: bad.length ? "fail" : "pass", detail: bad.length ? `raised: ${list(bad)}` : `no ${e.noAlert}` });
    } else if ("noAlerts" in e) {
      const min = e.noAlerts === true ? "warn" : e.noAlerts.minSeverity;
      const bad = raised.filter((x) => (RANK[x.severity as AlertSeverity] ?? 2) >= RANK[min]);
      out.push({ expect: e, status: bad.length ? "fail" : "pass", detail: bad.length ? `raised: ${list(bad)}` : `no alert of ${min} or above` });
    } else if ("ledger" in e) {
      const [from, to] = window(e.between);
      const cands = seen.ledger.filter((x) => x.kind === e.ledger && (e.tanker === undefined || x.facility === e.tanker) && (e.site === undefined || x.site === e.site));
      const hit = cands.find((x) => x.t >= from && x.t <= to);
      const fmt = (x: SeenLedgerEntry) => `${x.kind} ${x.tonnes.toFixed(2)} t by ${x.facility} at ${x.site ?? "no site"} ${offset(start, x.t)}`;
      out.push({
        expect: e,
        status: hit ? "pass" : "fail",
        detail: hit ? fmt(hit) : cands.length > 0 ? `only outside the window: ${cands.map(fmt).join(", ")}` : `no such ledger entry (${seen.ledger.length} entries)`,
      });
    }
  }
  return out;
}
