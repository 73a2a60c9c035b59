import { API } from "./api";
import type { Alert, Facility, FeedAlert, FeedLedger, FeedReading, Me, NodeRow } from "./types";

/**
 * The panel's state: what the REST API answered, updated in place by the live feed. Views
 * subscribe to topics and redraw what they show when a topic changes.
 */
export type Topic = "me" | "facilities" | "readings" | "alerts" | "nodes" | "ledger" | "conn" | "lang";
export type Conn = "idle" | "connecting" | "live" | "lost";

export const S = {
  me: null as Me | null,
  facilities: [] as Facility[],
  /** Data time the rules engine has processed up to (or the newest reading seen). */
  dataNow: null as number | null,
  /** Open alerts and the ones that changed while the page was open, by id. */
  alerts: new Map<number, Alert>(),
  nodes: null as NodeRow[] | null,
  conn: "idle" as Conn,
  /** Wall time (browser) the connection was lost, null while live. */
  lostSince: null as number | null,
  /** Wall time of the last message from the gateway. */
  lastMessage: null as number | null,
  storeOk: true,
  storeReason: null as string | null,
  /** Bumped on every ledger entry (the ledger view reloads). */
  ledgerVersion: 0,
};

const subs = new Map<Topic, Set<() => void>>();

export function on(topics: Topic[], f: () => void): () => void {
  for (const tp of topics) {
    let s = subs.get(tp);
    if (!s) subs.set(tp, (s = new Set()));
    s.add(f);
  }
  return () => {
    for (const tp of topics) subs.get(tp)?.delete(f);
  };
}

export function emit(topic: Topic): void {
  for (const f of [...(subs.get(topic) ?? [])]) {
    try {
      f();
    } catch (e) {
      console.error("view update failed", e);
    }
  }
}

export function facility(id: string): Facility | undefined {
  return S.facilities.find((f) => f.id === id);
}

export function canAck(): boolean {
  return S.me !== null && S.me.role !== "viewer";
}

export async function loadFacilities(): Promise<void> {
  const r = await API.facilities();
  S.facilities = r.facilities;
  if (r.now !== null && r.now !== undefined) S.dataNow = Math.max(S.dataNow ?? 0, r.now);
  emit("facilities");
}

export async function loadAlerts(): Promise<void> {
  const r = await API.alerts("open");
  const keep = new Map<number, Alert>();
  // Alerts cleared while the page was open stay visible (as cleared) until the next full load.
  for (const a of S.alerts.values()) if (a.state === "cleared") keep.set(a.id, a);
  for (const a of r.alerts) keep.set(a.id, a);
  S.alerts = keep;
  emit("alerts");
}

export async function loadNodes(): Promise<void> {
  S.nodes = (await API.nodes()).nodes;
  emit("nodes");
}

/** Coalesces reloads asked for in bursts (a reading storm) into one request per topic. */
const timers = new Map<string, number>();
export function refreshSoon(what: "facilities" | "alerts" | "nodes", ms = 800): void {
  if (timers.has(what)) return;
  timers.set(
    what,
    window.setTimeout(() => {
      timers.delete(what);
      const p = what === "facilities" ? loadFacilities() : what === "alerts" ? loadAlerts() : loadNodes();
      p.catch(() => undefined);
    }, ms),
  );
}

export function applyReadings(items: FeedReading[]): void {
  let touched = false;
  for (const r of items) {
    if (r.t > (S.dataNow ?? 0)) S.dataNow = r.t;
    for (const f of S.facilities) {
      if (!f.sensors.includes(r.sensor)) continue;
      const cur = f.latest[r.sensor];
      if (!cur || cur.t === null || r.t >= cur.t) f.latest[r.sensor] = { t: r.t, value: r.value, flags: r.flags };
      touched = true;
    }
  }
  lastReadings = items;
  emit("readings");
  // The derived state (fill %, progress) is the rules engine's: ask for it again.
  if (touched) refreshSoon("facilities");
}

/** The last batch of live readings (charts append them). */
export let lastReadings: FeedReading[] = [];

export function applyAlert(x: FeedAlert): void {
  const a = S.alerts.get(x.alertId);
  const params = x.params;
  if (a) {
    a.state = x.to;
    a.severity = x.severity;
    a.updatedT = x.t;
    if (x.message) a.message = x.message;
    if (params) a.params = params;
    if (x.to === "acknowledged") {
      a.ackNote = x.note;
      a.ackBy = x.by;
      a.ackT = x.t;
    }
    if (x.to === "cleared") a.clearedT = x.t;
  } else {
    S.alerts.set(x.alertId, {
      id: x.alertId, rule: x.rule, subject: x.subject, facility: x.facility, severity: x.severity, state: x.to, message: x.message, params,
      raisedT: x.t, updatedT: x.t, clearedT: x.to === "cleared" ? x.t : null,
      ackNote: x.to === "acknowledged" ? x.note : null, ackBy: x.to === "acknowledged" ? x.by : null, ackT: x.to === "acknowledged" ? x.t : null,
    });
  }
  emit("alerts");
  refreshSoon("facilities");
}

export function applyLedger(_x: FeedLedger): void {
  S.ledgerVersion++;
  emit("ledger");
  refreshSoon("facilities");
}

/** Open alerts of a facility counted by severity, from the live alert map. */
export function openCounts(facilityId: string | null): Record<"critical" | "warn" | "info", number> {
  const out = { critical: 0, warn: 0, info: 0 };
  for (const a of S.alerts.values()) if (a.state !== "cleared" && (facilityId === null || a.facility === facilityId)) out[a.severity]++;
  return out;
}
