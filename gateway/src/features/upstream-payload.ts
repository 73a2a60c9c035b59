import type { FeedEntry } from "../store/queries";
import { pageOfEntries, type FeedPage } from "../store/feed-page";

/**
 * Upstream batch payload (JSON), version 1, published QoS 1 to <base>/<farm>/gw/<gw>/data.
 * Documented for county integrators in protocol/README.md. Compact like the node wire format:
 * readings are tuples [seq, sensor, t, value, flags, extra?] with extra {e: reason, p: [lat, lon, fix]}.
 * `id` = "<gateway>:<first>-<last>" is stable across re-sends: a consumer that has stored
 * a batch id (or any seq <= its highest stored seq for this gateway) drops the copy.
 */
export interface UpstreamBatch {
  v: 1;
  farm: string;
  gw: string;
  id: string;
  first: number;
  last: number;
  /** Gateway time when the batch was (re)published, epoch ms. */
  sent: number;
  r: UpReading[];
  a: UpTransition[];
  l: UpLedger[];
}

export type UpReading = [number, string, number, number | null, number] | [number, string, number, number | null, number, { e?: string; p?: [number, number, number] }];

export interface UpTransition {
  seq: number;
  alert: number;
  rule: string;
  subject: string;
  facility: string | null;
  severity: string;
  from: string | null;
  to: string;
  t: number;
  message?: string;
  note?: string;
  by?: string;
  /** The rules engine's message parameters (the numbers of the alert's sentence). */
  params?: Record<string, unknown>;
}

export interface UpLedger {
  seq: number;
  id: number;
  t: number;
  kind: string;
  facility: string | null;
  site: string | null;
  tonnes: number;
  lat?: number;
  lon?: number;
}

export function batchId(gw: string, first: number, last: number): string {
  return `${gw}:${first}-${last}`;
}

export function buildBatch(farm: string, gw: string, first: number, last: number, entries: FeedEntry[], sent: number): UpstreamBatch {
  const b: UpstreamBatch = { v: 1, farm, gw, id: batchId(gw, first, last), first, last, sent, r: [], a: [], l: [] };
  for (const e of entries) {
    if (e.type === "reading") {
      const x: { e?: string; p?: [number, number, number] } = {};
      if (e.reason !== null) x.e = e.reason;
      if (e.lat !== null && e.lon !== null) x.p = [e.lat, e.lon, e.fix ?? 0];
      b.r.push(x.e !== undefined || x.p ? [e.seq, e.sensor, e.t, e.value, e.flags, x] : [e.seq, e.sensor, e.t, e.value, e.flags]);
    } else if (e.type === "alert") {
      const t: UpTransition = { seq: e.seq, alert: e.alertId, rule: e.rule, subject: e.subject, facility: e.facility, severity: e.severity, from: e.from, to: e.to, t: e.t };
      if (e.message !== null) t.message = e.message;
      if (e.note !== null) t.note = e.note;
      if (e.by !== null) t.by = e.by;
      if (e.params !== null) t.params = e.params;
      b.a.push(t);
    } else {
      const l: UpLedger = { seq: e.seq, id: e.id, t: e.t, kind: e.kind, facility: e.facility, site: e.site, tonnes: e.tonnes };
      if (e.lat !== null) l.lat = e.lat;
      if (e.lon !== null) l.lon = e.lon;
      b.l.push(l);
    }
  }
  return b;
}

/**
 * The same JSON as JSON.stringify(buildBatch(...)) (up to the spelling of numbers), written
 * directly: the backlog drain spends its time here. The readings come as JSON text already
 * (FeedPage, from SQLite or from readingTuple).
 */
export function serializePage(farm: string, gw: string, first: number, last: number, page: FeedPage, sent: number): string {
  return serializeBody(farm, gw, first, last, pageBody(page), sent);
}

/**
 * The part of a batch's JSON that does not change when it is published again: its readings,
 * transitions and ledger entries (`"r":[…],"a":[…],"l":[…]`). The upstream link renders it
 * into the outbox while the county link is down (features/upstream-render.ts).
 */
export function pageBody(page: FeedPage): string {
  const a = page.alerts.map((e) => JSON.stringify(buildBatch("", "", 0, 0, [e], 0).a[0]));
  const l = page.ledger.map((e) => JSON.stringify(buildBatch("", "", 0, 0, [e], 0).l[0]));
  return '"r":[' + page.readings + '],"a":[' + a.join(",") + '],"l":[' + l.join(",") + "]";
}

/** A batch's JSON from its body (pageBody) and the header of this publication (`sent`). */
export function serializeBody(farm: string, gw: string, first: number, last: number, body: string, sent: number): string {
  return (
    '{"v":1,"farm":' + JSON.stringify(farm) + ',"gw":' + JSON.stringify(gw) + ',"id":' + JSON.stringify(batchId(gw, first, last)) +
    ',"first":' + first + ',"last":' + last + ',"sent":' + sent + "," + body + "}"
  );
}

/** serializePage of entries read as objects (FeedEntry[]). */
export function serializeBatch(farm: string, gw: string, first: number, last: number, entries: FeedEntry[], sent: number): string {
  return serializePage(farm, gw, first, last, pageOfEntries(entries), sent);
}
