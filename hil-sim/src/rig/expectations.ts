import { Q } from "@manure-edge/protocol";
import { evaluateAlertExpectations, isAlertLevel, type SeenLedgerEntry } from "../scenario/alert-match";
import type { Expectation } from "../scenario/types";
import type { Rig } from "./rig";

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

/**
 * The scenario's gateway-level expectations, judged from what the gateway stored: alert,
 * noAlert, noAlerts and ledger by the one matcher every consumer shares
 * (src/scenario/alert-match.ts: engine rule ids and subjects exactly, noAlerts = no warn or
 * critical), in the scenario's order, and noReadingLost by the tap's witness (lossReport).
 */
export function evaluateExpectations(rig: Rig): GatewayExpectationResult[] {
  const ledger: SeenLedgerEntry[] = rig.ledger()
    .filter((x) => x.kind === "load" || x.kind === "unload")
    .map((x) => ({ kind: x.kind as "load" | "unload", facility: x.facility ?? "", site: x.site, tonnes: x.tonnes, t: x.t }));
  const alerts = evaluateAlertExpectations(rig.scenario, { transitions: rig.gatewayAlerts(), ledger });
  const out: GatewayExpectationResult[] = [];
  for (const e of rig.scenario.expect ?? []) {
    if (isAlertLevel(e)) {
      const r = alerts.find((x) => x.expect === e)!;
      out.push({ expectation: e, status: r.status, detail: r.detail });
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
