import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { tempDir } from "../../../test/support/tmp";
import { freePort } from "../../../test/support/ports";
import { startMosquitto, type Mosquitto } from "../../../test/support/mosquitto";
import { ManualClock } from "../support/manual-clock";
import { waitFor } from "../support/wait";
import { rulesOn99 } from "../support/rules-on-99";
import { Store } from "../../src/store/store";
import { EventBus } from "../../src/bus";
import { Metrics } from "../../src/metrics";
import { silentLogger } from "../../src/log";
import { Upstream } from "../../src/features/upstream";
import { parseConfig } from "../../src/config/load";
import { denseSql, planIsInOrder, readingsSql } from "../../src/store/feed-page";
import { serializeBatch, serializePage, type UpstreamBatch } from "../../src/features/upstream-payload";
import type { ReadingInput } from "../../src/store/types";

/**
 * The drain's fast paths (gateway/src/store/feed-page.ts denseSql, upstream.ts formAhead,
 * upstream-render.ts): a page of consecutive reading ids read with one statement, batches formed
 * as ranges of feed seqs without reading the feed, and batch bodies rendered into the outbox
 * while the link is down (bounded by upstream.renderAhead and the room on disk). Each must give
 * exactly what the general paths give.
 */
const T0 = Date.UTC(2026, 6, 1);
let tmp: ReturnType<typeof tempDir>;
let store: Store;
let mosq: Mosquitto | null = null;
let consumer: MqttClient | null = null;
const ups: Upstream[] = [];
const ids = { base: "manure", farm: "demo", gateway: "gw1" };

const rules = rulesOn99({ message: "overflow imminent", data: { params: { level: 99 } }, site: "field 3" });

beforeEach(() => {
  tmp = tempDir("gw-up-pages-");
  store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "NORMAL", clock: new ManualClock(T0), rules });
  store.open();
});
afterEach(async () => {
  for (const u of ups.splice(0)) await u.stop();
  await consumer?.endAsync(true);
  consumer = null;
  await mosq?.stop();
  mosq = null;
  store.close();
  tmp.cleanup();
});

let msgSeq = 0;
function write(node: string, rs: ReadingInput[]): void {
  store.write([{ kind: "up", node, boot: 1, seq: ++msgSeq, sentT: T0, receivedAt: T0, readings: rs }]);
}
const reading = (key: string, i: number, over: Partial<ReadingInput> = {}): ReadingInput => ({ key, t: T0 + i * 1000, value: i / 3, flags: i % 4, reason: null, lat: null, lon: null, fix: null, ...over });

it("a page of consecutive readings read in one statement is the same text as the general query and as JS", () => {
  // Every kind of tuple, an infinity (re-read as null), a null value, names that need escaping.
  const odd = ['odd"key\\', "温度", "lvl.distance"];
  write(
    "n1",
    Array.from({ length: 60 }, (_, i) =>
      reading(odd[i % 3], i, {
        value: i === 17 ? Infinity : i === 18 ? -Infinity : i === 19 ? null : i / 3,
        reason: i % 5 === 0 ? 'quote " and \\' : null,
        lat: i % 7 === 0 ? 41.5 + i / 1000 : null,
        lon: i % 7 === 0 ? 120.25 : i % 11 === 0 ? 121 : null,
        fix: i % 7 === 0 ? null : 2,
      }),
    ),
  );
  for (const [after, limit] of [[0, 60], [10, 20], [15, 5], [59, 1]]) {
    const page = store.feedPage(after, limit)!;
    expect([page.first, page.last, page.count]).toEqual([after + 1, after + limit, limit]);
    // The general statement over the same ids (LEFT JOIN, coalesce, finite values where needed).
    const general = store.db.prepare(readingsSql("CASE WHEN abs(r.value) <= 1.7976931348623157e308 THEN r.value END", false)).pluck().get(after, after + limit) as string;
    expect(page.readings).toBe(general);
    const entries = store.feedAfter(after, limit);
    expect(JSON.parse(serializePage("demo", "gw1", page.first, page.last, page, 1))).toEqual(JSON.parse(serializeBatch("demo", "gw1", page.first, page.last, entries, 1)));
  }
  expect(JSON.parse("[" + store.feedPage(16, 3)!.readings + "]").map((r: unknown[]) => r[3])).toEqual([16 / 3, null, null]);
  // The one-statement page runs unsorted on this SQLite (its plan is checked with the general
  // one), and its sorted fallback writes the same count and text.
  expect(planIsInOrder(store.db)).toBe(true);
  const [fast, sorted] = [false, true].map((ordered) => store.db.prepare(denseSql("r.value", ordered)).raw().get(5, 55) as [number, string]);
  expect(fast[0]).toBe(50);
  expect(fast).toEqual(sorted);
});

it("a page with a sensor created since the last page, a gap or an alert takes the general path and stays exact", () => {
  write("n1", Array.from({ length: 10 }, (_, i) => reading("a.x", i)));
  expect(store.feedPage(0, 10)!.count).toBe(10); // names of n1 copied
  // A new sensor in the next full page: not in the name table yet, so not counted by the dense statement.
  write("n2", Array.from({ length: 10 }, (_, i) => reading(i % 2 ? "b.y" : "a.x", 10 + i)));
  const p2 = store.feedPage(10, 10)!;
  expect(JSON.parse("[" + p2.readings + "]").map((r: unknown[]) => r[1])).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 ? "n2/b.y" : "n2/a.x")));
  // An alert transition and a ledger entry take seqs 31 and 32, after the message's readings,
  // and more readings follow: (25, 35] holds 5 readings, the two, then 3 readings.
  write("n1", Array.from({ length: 10 }, (_, i) => reading("a.x", 20 + i, { value: i === 4 ? 99 : i })));
  write("n1", Array.from({ length: 10 }, (_, i) => reading("a.x", 30 + i)));
  expect(store.lastFeedSeq()).toBe(42);
  const p3 = store.feedPage(25, 10)!;
  const e3 = store.feedAfter(25, 10);
  expect([p3.first, p3.last, p3.count]).toEqual([26, 35, 10]);
  expect([p3.alerts.map((a) => a.seq), p3.ledger.map((l) => l.seq)]).toEqual([[31], [32]]);
  expect(JSON.parse(serializePage("demo", "gw1", 26, 35, p3, 1))).toEqual(JSON.parse(serializeBatch("demo", "gw1", 26, 35, e3, 1)));
  // Cut at upTo, then the tail (fewer than limit).
  expect(store.feedPage(25, 10, 31)).toMatchObject({ first: 26, last: 31, count: 6 });
  expect(store.feedPage(35, 10)).toMatchObject({ first: 36, last: 42, count: 7 });
  expect(store.feedPage(42, 10)).toBeNull();
});

it("drains batches that are ranges of batchSize feed seqs: every entry once, in order, alerts and ledger inside", async () => {
  mosq = await startMosquitto();
  // 7 messages of 45 readings with two readings of 99 (two transitions, two ledger entries).
  for (let m = 0; m < 7; m++) write("n1", Array.from({ length: 45 }, (_, i) => reading(`d${i % 4}.p`, m * 45 + i, { value: m * 45 + i === 100 || m * 45 + i === 222 ? 99 : i })));
  const total = store.lastFeedSeq();
  expect(total).toBe(7 * 45 + 4);
  consumer = await mqtt.connectAsync(mosq.url, { reconnectPeriod: 0 });
  const batches: UpstreamBatch[] = [];
  consumer.on("message", (_t, p) => batches.push(JSON.parse(p.toString())));
  await consumer.subscribeAsync("manure/demo/gw/gw1/data", { qos: 1 });
  const cfg = parseConfig({ upstream: { url: mosq.url, batchSize: 25, window: 3, maxPerSecond: 0 } }).upstream!;
  const bus = new EventBus();
  const up = new Upstream(cfg, { base: "manure", farm: "demo", gateway: "gw1" }, store, bus, new ManualClock(T0), silentLogger, new Metrics());
  await up.start();
  await waitFor(() => up.ackedSeq() === total, "drain");
  // A live commit after the drain: one more (partial) batch.
  bus.emit("committed", store.write([{ kind: "up", node: "n1", boot: 1, seq: ++msgSeq, sentT: T0, receivedAt: T0, readings: [reading("d0.p", 999)] }]));
  await waitFor(() => up.ackedSeq() === total + 1, "live batch");
  await waitFor(() => batches.length > 0 && batches[batches.length - 1].last === total + 1, "consumer");
  await up.stop();

  const seqs: number[] = [];
  let prev = 0;
  for (const b of batches) {
    expect(b.first).toBe(prev + 1);
    expect(b.last - b.first + 1).toBeLessThanOrEqual(25);
    expect(b.last - b.first + 1).toBe(b.last === total + 1 ? 1 : b.last === total ? total % 25 || 25 : 25);
    expect(b.id).toBe(`gw1:${b.first}-${b.last}`);
    const inBatch = [...b.r.map((r) => r[0]), ...b.a.map((a) => a.seq), ...b.l.map((l) => l.seq)];
    for (const s of inBatch) expect(s >= b.first && s <= b.last).toBe(true);
    expect(b.r.map((r) => r[0])).toEqual([...b.r.map((r) => r[0])].sort((x, y) => x - y));
    seqs.push(...inBatch);
    prev = b.last;
  }
  expect(seqs.sort((x, y) => x - y)).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
  expect(batches.flatMap((b) => b.a)).toHaveLength(2);
  expect(batches.flatMap((b) => b.l)).toHaveLength(2);
  expect(store.forward("upstream").outbox()).toEqual([]);
});

/** 45 readings a message; the ones whose index is in `hits` are 99 (an alert and a ledger entry each); some carry a reason or a position. */
function writeMixed(bus: EventBus, m: number, hits: number[] = []): void {
  const rs: ReadingInput[] = Array.from({ length: 45 }, (_, i) => {
    const n = m * 45 + i;
    return { key: `d${i % 4}.p`, t: T0 + n * 1000, value: hits.includes(n) ? 99 : n / 7, flags: n % 5 === 0 ? 2 : 0, reason: n % 5 === 0 ? "range" : null, lat: n % 9 === 0 ? 30.1 : null, lon: n % 9 === 0 ? 120.2 : null, fix: n % 9 === 0 ? 1 : null };
  });
  bus.emit("committed", store.write([{ kind: "up", node: "n1", boot: 1, seq: ++msgSeq, sentT: T0, receivedAt: T0, readings: rs }]));
}

function upstream(port: number, bus: EventBus, metrics: Metrics, extra: Record<string, unknown> = {}): Upstream {
  const cfg = parseConfig({ upstream: { url: `mqtt://127.0.0.1:${port}`, batchSize: 25, window: 3, maxPerSecond: 0, ...extra } }).upstream!;
  const up = new Upstream(cfg, ids, store, bus, new ManualClock(T0), silentLogger, metrics, () => 0.5);
  ups.push(up);
  return up;
}

it("renders full batches while the link is down; after a restart they are published unchanged without reading the feed again", async () => {
  const port = await freePort(); // nothing listens: the county broker is down
  const bus = new EventBus();
  const metrics = new Metrics();
  const up = upstream(port, bus, metrics);
  await up.start();
  for (let m = 0; m < 7; m++) writeMixed(bus, m, [100, 222]);
  const total = store.lastFeedSeq();
  expect(total).toBe(7 * 45 + 4);
  const full = Math.floor(total / 25) * 25;
  await waitFor(() => up.renderedTotal() === full, "rendered outbox");
  const forward = store.forward("upstream");
  expect(forward.outbox()).toHaveLength(full / 25); // full batches only: the tail is formed at connect
  expect(forward.unrendered(0, 100)).toEqual([]);
  expect(metrics.value("gateway_upstream_rendered_entries")).toBe(full);
  expect(up.batchesPublished).toBe(0);
  await up.stop();

  // The county broker is back; the gateway restarts (a new Upstream on the same database).
  mosq = await startMosquitto({ extraConfig: [`listener ${port} 127.0.0.1`] });
  consumer = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  const batches: UpstreamBatch[] = [];
  consumer.on("message", (_t, p) => batches.push(JSON.parse(p.toString())));
  await consumer.subscribeAsync("manure/demo/gw/gw1/data", { qos: 1 });
  const reads: [number, number, number | undefined][] = [];
  const feedPage = store.feedPage;
  store.feedPage = (after, limit, upTo) => {
    reads.push([after, limit, upTo]);
    return feedPage(after, limit, upTo);
  };
  const metrics2 = new Metrics();
  const up2 = upstream(port, new EventBus(), metrics2);
  await up2.start();
  await waitFor(() => up2.ackedSeq() === total, "drain");
  await waitFor(() => batches.length > 0 && batches[batches.length - 1].last === total, "consumer");
  store.feedPage = feedPage;

  // Only the tail batch was read from the feed; the rendered ones went out as stored.
  expect(reads).toEqual([[full, total - full, total]]);
  expect(batches.map((b) => [b.first, b.last])).toEqual(Array.from({ length: Math.ceil(total / 25) }, (_, i) => [i * 25 + 1, Math.min(total, i * 25 + 25)]));
  // Each is what reading the feed at publish time gives (the JS serialisation of feedAfter), `sent` aside.
  for (const b of batches) {
    const expected = JSON.parse(serializeBatch("demo", "gw1", b.first, b.last, store.feedAfter(b.first - 1, b.last - b.first + 1), b.sent));
    expect(b).toEqual(expected);
  }
  expect(batches.flatMap((b) => b.a).map((a) => a.params)).toEqual([{ level: 99 }, { level: 99 }]);
  expect(batches.flatMap((b) => b.l).map((l) => l.site)).toEqual(["field 3", "field 3"]);
  expect(batches.flatMap((b) => b.r).filter((r) => r.length === 6)).not.toHaveLength(0);
  expect(metrics2.value("gateway_upstream_rendered_entries")).toBe(0);
  expect(metrics2.value("gateway_upstream_entries_acked_total")).toBe(total);
  expect(forward.outbox()).toEqual([]);
});

it("renders no more than upstream.renderAhead entries, and nothing while the database is near store.maxPageCount", async () => {
  const port = await freePort();
  const bus = new EventBus();
  const up = upstream(port, bus, new Metrics(), { renderAhead: 60 });
  await up.start();
  for (let m = 0; m < 4; m++) writeMixed(bus, m);
  await waitFor(() => up.renderedTotal() === 50, "two batches rendered");
  // More commits do not go beyond the bound (60 entries: two batches of 25, not a third).
  writeMixed(bus, 4);
  await waitFor(() => store.forward("upstream").outbox().length === Math.floor(store.lastFeedSeq() / 25), "batches formed");
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  expect(up.renderedTotal()).toBe(50);
  expect(store.forward("upstream").renderedEntries()).toBe(50);
  await up.stop();

  // The database at more than 75 % of its page limit: ingest keeps the room, nothing is rendered.
  const used = store.db.pragma("page_count", { simple: true }) as number;
  store.db.pragma(`max_page_count = ${Math.ceil(used / 0.78)}`);
  const up2 = upstream(port, bus, new Metrics());
  await up2.start();
  writeMixed(bus, 5);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  expect(up2.renderedTotal()).toBe(0);
  // Room again: the next commit renders what was left.
  store.db.pragma(`max_page_count = ${used * 10}`);
  writeMixed(bus, 6);
  const full = Math.floor(store.lastFeedSeq() / 25) * 25;
  await waitFor(() => store.forward("upstream").renderedEntries() === full, "rendered once there is room");
  expect(up2.renderedTotal()).toBe(full - 50);
});
