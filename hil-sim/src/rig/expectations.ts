import { Q } from "@manure-edge/protocol";
import { parseDuration } from "../clock/duration";
import type { Expectation } from "../scenario/types";
import type { Rig, StoredTransition } from "./rig";

export interface GatewayExpectationResult {
  expectation: Expectation;
  status: "pass" | "fail";
  detail: string;
}

export interface LossReport {
  /** Uplink messages the firmware sent (tap), and how many of them the gateway acknowledged. */
  sent: number;
  acked: number;
  /** Acked messages missing from the DB, or stored with another number of readings. */
  lost: string[];
  /** Readings of acked messages not found with their key and value (and time when synced). */
  mismatched: string[];
  /** (sensor, t, value) stored more than once. */
  duplicates: number;
  readingsChecked: number;
}

/**
 * Rule names the scenario files use (hil-sim/scenarios) that the gateway's rules engine calls
 * otherwise (gateway/src/rules/health: H.stale, H.errors, H.range, H.stuck, H.disagree). An
 * unplugged probe reads its map's sentinel, flagged SENSOR_FAULT, which the engine counts in
 * the error share (H.errors) or, without a sentinel, as out of range (H.range).
 */
export const RULE_ALIASES: Record<string, string[]> = {
  stale: ["H.stale"],
  "sensor-fault": ["H.errors", "H.range"],
  "modbus-errors": ["H.errors"],
  stuck: ["H.stuck"],
};

const ruleIs = (rule: string, wanted: string) => rule === wanted || (RULE_ALIASES[wanted] ?? []).includes(rule);

const isGatewayLevel = (e: Expectation) => "alert" in e || "noAlert" in e || "noAlerts" in e || "noReadingLost" in e;

function matches(x: StoredTransition, subject: string | undefined): boolean {
  return subject === undefined || x.subject === subject || x.facility === subject || x.subject.startsWith(subject + "/") || x.subject.endsWith(":" + subject);
}

function fmt(rig: Rig, t: number): string {
  const d = (t - rig.start) / 86_400_000;
  return `P${d.toFixed(2)}D`;
}

/**
 * Every uplink the firmware sent and the gateway acknowledged (cumulative acks, as seen by the
 * tap on the wire) is in the DB exactly once, with every one of its readings: key, value, and
 * time (when the node's clock was synchronised; the gateway corrects unsynchronised times).
 */
export function lossReport(rig: Rig): LossReport {
  const stored = rig.storedMessages();
  const readings = rig.storedReadings();
  const byMsg = new Map<string, { key: string; t: number; value: number | null }[]>();
  for (const r of readings) {
    const k = `${r.node}/${r.boot}/${r.seq}`;
    const l = byMsg.get(k) ?? [];
    l.push(r);
    byMsg.set(k, l);
  }
  const rep: LossReport = { sent: 0, acked: 0, lost: [], mismatched: [], duplicates: 0, readingsChecked: 0 };
  for (const u of rig.tap.sortedUplinks()) {
    rep.sent++;
    if (!rig.isAcked(u.node, u.b, u.s)) continue;
    rep.acked++;
    const k = `${u.node}/${u.b}/${u.s}`;
    const m = stored.get(k);
    const got = byMsg.get(k) ?? [];
    if (!m || m.readings !== u.r.length || got.length !== u.r.length) {
      rep.lost.push(`${k}: ${u.r.length} readings sent, ${got.length} stored`);
      continue;
    }
    const pool = [...got];
    for (const r of u.r) {
      const [key, t, value, flags] = r as [string, number, number | null, number];
      const synced = (flags & Q.CLOCK_UNSYNC) === 0;
      const i = pool.findIndex((p) => p.key === key && p.value === value && (!synced || p.t === Math.round(t)));
      rep.readingsChecked++;
      if (i < 0) rep.mismatched.push(`${k} ${key}@${t}=${value}`);
      else pool.splice(i, 1);
    }
  }
  const seen = new Map<string, number>();
  for (const r of readings) {
    const k = `${r.node}/${r.key}/${r.t}/${r.value}`;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  for (const n of seen.values()) if (n > 1) rep.duplicates += n - 1;
  return rep;
}

export function evaluateExpectations(rig: Rig): GatewayExpectationResult[] {
  const all = rig.gatewayAlerts();
  const raised = all.filter((x) => x.to === "raised");
  const out: GatewayExpectationResult[] = [];
  for (const e of rig.scenario.expect ?? []) {
    if (!isGatewayLevel(e)) continue;
    if ("alert" in e && e.alert === "T1") {
      // T1 (tanker load/unload) is a ledger entry in the rules engine, not an alert.
      const from = e.between ? rig.start + parseDuration(e.between[0]) : -Infinity;
      const to = e.between ? rig.start + parseDuration(e.between[1]) : Infinity;
      const l = rig.ledger().filter((x) => (e.subject === undefined || x.facility === e.subject || `tanker:${x.facility}` === e.subject) && x.t >= from && x.t <= to);
      out.push({ expectation: e, status: l.length ? "pass" : "fail", detail: l.length ? `T1 (ledger): ${l.map((x) => `${x.kind} ${x.tonnes} t at ${x.site ?? "?"} ${fmt(rig, x.t)}`).join(", ")}` : "T1 (ledger): no load or unload in the window" });
    } else if ("alert" in e) {
      const from = e.between ? rig.start + parseDuration(e.between[0]) : -Infinity;
      const to = e.between ? rig.start + parseDuration(e.between[1]) : Infinity;
      const cands = raised.filter((x) => ruleIs(x.rule, e.alert) && matches(x, e.subject) && (!e.severity || x.severity === e.severity));
      const hit = cands.find((x) => x.t >= from && x.t <= to);
      out.push({
        expectation: e,
        status: hit ? "pass" : "fail",
        detail: hit
          ? `${hit.rule === e.alert ? e.alert : `${e.alert} (= ${hit.rule})`} raised on ${hit.subject} (${hit.severity}) at ${fmt(rig, hit.t)}`
          : cands.length
            ? `${e.alert} raised only at ${cands.map((x) => `${fmt(rig, x.t)} on ${x.subject} (${x.severity})`).join(", ")}`
            : `${e.alert} never raised (rules raised: ${[...new Set(raised.map((x) => x.rule + " " + x.subject))].join(", ") || "nothing"})`,
      });
    } else if ("noAlert" in e) {
      const bad = raised.filter((x) => ruleIs(x.rule, e.noAlert) && matches(x, e.subject));
      out.push({ expectation: e, status: bad.length ? "fail" : "pass", detail: bad.length ? `${e.noAlert} raised at ${bad.map((x) => fmt(rig, x.t) + " on " + x.subject).join(", ")}` : `no ${e.noAlert}` });
    } else if ("noAlerts" in e) {
      out.push({ expectation: e, status: raised.length ? "fail" : "pass", detail: raised.length ? `raised: ${raised.map((x) => `${x.rule} ${x.subject} at ${fmt(rig, x.t)}`).join(", ")}` : "no alert raised" });
    } else if ("noReadingLost" in e) {
      const r = lossReport(rig);
      const ok = r.lost.length === 0 && r.mismatched.length === 0 && r.duplicates === 0 && r.acked > 0;
      out.push({
        expectation: e,
        status: ok ? "pass" : "fail",
        detail: `${r.acked}/${r.sent} uplinks acked, ${r.readingsChecked} readings checked, ${r.lost.length} lost, ${r.mismatched.length} mismatched, ${r.duplicates} duplicates` +
          (ok ? "" : `: ${[...r.lost, ...r.mismatched].slice(0, 5).join("; ")}`),
      });
    }
  }
  return out;
}
