import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { tempDir } from "../../../test/support/tmp";
import { freePort } from "../../../test/support/ports";
import { startMosquitto, type Mosquitto } from "../../../test/support/mosquitto";
import { ManualClock } from "../support/manual-clock";
import { waitFor } from "../support/wait";
import { Store } from "../../src/store/store";
import { EventBus } from "../../src/bus";
import { Metrics } from "../../src/metrics";
import { silentLogger } from "../../src/log";
import { Upstream } from "../../src/features/upstream";
import { parseConfig } from "../../src/config/load";
import { serializeBatch, type UpstreamBatch } from "../../src/features/upstream-payload";
import type { RulesSink } from "../../src/rules-sink";
import type { ReadingInput } from "../../src/store/types";

/**
 * Outbox bodies rendered while the county link is down (gateway/src/features/upstream-render.ts):
 * published unchanged after the outage and after a restart, without reading the feed again;
 * bounded by upstream.renderAhead and by the room left on disk.
 */
const T0 = Date.UTC(2026, 7, 1);
const ids = { base: "manure", farm: "demo", gateway: "gw1" };
let tmp: ReturnType<typeof tempDir>;
let store: Store;
let mosq: Mosquitto | null = null;
let consumer: MqttClient | null = null;
const ups: Upstream[] = [];

/** An alert transition and a ledger entry for every reading of 99. */
const rules: RulesSink = {
  process: (b) => {
    const hit = b.readings.filter((r) => r.value === 99);
    return {
      transitions: hit.map((r) => ({ rule: "L3", subject: r.sensor, facility: "pit1", severity: "critical", to: "raised" as const, t: r.t, message: "overflow imminent", data: { params: { level: 99 } } })),
      ledger: hit.map((r) => ({ t: r.t, kind: "load", facility: "pit1", site: "field 3", tonnes: 10 })),
    };
  },
  snapshot: () => ({}),
  restore: () => undefined,
};

beforeEach(() => {
  tmp = tempDir("gw-up-render-");
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
/** 45 readings a message; the ones whose index is in `hits` are 99 (an alert and a ledger entry each); some carry a reason or a position. */
function write(bus: EventBus, m: number, hits: number[] = []): void {
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
  for (let m = 0; m < 7; m++) write(bus, m, [100, 222]);
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
  for (let m = 0; m < 4; m++) write(bus, m);
  await waitFor(() => up.renderedTotal() === 50, "two batches rendered");
  // More commits do not go beyond the bound (60 entries: two batches of 25, not a third).
  write(bus, 4);
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
  write(bus, 5);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  expect(up2.renderedTotal()).toBe(0);
  // Room again: the next commit renders what was left.
  store.db.pragma(`max_page_count = ${used * 10}`);
  write(bus, 6);
  const full = Math.floor(store.lastFeedSeq() / 25) * 25;
  await waitFor(() => store.forward("upstream").renderedEntries() === full, "rendered once there is room");
  expect(up2.renderedTotal()).toBe(full - 50);
});
