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
import type { UpstreamBatch } from "../../src/features/upstream-payload";
import type { ReadingInput } from "../../src/store/types";

const T0 = Date.UTC(2026, 5, 1);
let tmp: ReturnType<typeof tempDir>;
let mosq: Mosquitto | null = null;
let consumer: MqttClient | null = null;

beforeEach(() => {
  tmp = tempDir("gw-up-");
});
afterEach(async () => {
  await consumer?.endAsync(true);
  consumer = null;
  await mosq?.stop();
  mosq = null;
  tmp.cleanup();
});

const rules = rulesOn99({ message: "overflow imminent" });

it("after 24 simulated hours of upstream outage, everything arrives once, in order, across a restart mid-backlog", async () => {
  const clock = new ManualClock(T0);
  const port = await freePort();
  const store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "FULL", clock, rules });
  store.open();
  const bus = new EventBus();
  const cfg = parseConfig({
    upstream: { url: `mqtt://127.0.0.1:${port}`, batchSize: 100, window: 4, maxPerSecond: 1000, backoff: { minMs: 1000, maxMs: 300_000 } },
  }).upstream!;
  const ids = { base: "manure", farm: "demo", gateway: "gw1" };
  const mk = () => new Upstream(cfg, ids, store, bus, clock, silentLogger, new Metrics(), () => 0.5);
  let upstream = mk();
  await upstream.start();

  // 24 h of data from 5 sensors, one reading a minute, committed every 10 minutes while the
  // county broker is unreachable (nothing listens on its port).
  let seq = 0;
  for (let step = 0; step < 24 * 6; step++) {
    const readings: ReadingInput[] = [];
    for (let m = 0; m < 10; m++) {
      for (let s = 0; s < 5; s++) {
        const t = clock.now() - 600_000 + m * 60_000;
        readings.push({ key: `dev${s}.p`, t, value: step === 70 && m === 0 && s === 0 ? 99 : s + m / 10, flags: 0, reason: null, lat: null, lon: null, fix: null });
      }
    }
    bus.emit("committed", store.write([{ kind: "up", node: "n1", boot: 1, seq: ++seq, sentT: clock.now(), receivedAt: clock.now(), readings }]));
    clock.advance(600_000);
    await new Promise((r) => setImmediate(r));
  }
  const total = store.lastFeedSeq();
  expect(total).toBe(24 * 60 * 5 + 2); // readings + one alert transition + one ledger entry
  expect(upstream.batchesPublished).toBe(0);
  expect(upstream.lag()).toBe(total);
  // Meanwhile the full batches were formed and their bodies rendered into the outbox (upstream-render.ts):
  // the drain below publishes those, across the restart too.
  await waitFor(() => store.forward("upstream").renderedEntries() === Math.floor(total / 100) * 100, "outbox rendered during the outage");

  // The county broker comes back; a consumer is subscribed before the gateway reconnects.
  mosq = await startMosquitto({ extraConfig: [`listener ${port} 127.0.0.1`, "max_queued_messages 0"] });
  consumer = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  const batches: UpstreamBatch[] = [];
  const statuses: { state: string }[] = [];
  consumer.on("message", (topic, payload) => {
    const j = JSON.parse(payload.toString());
    if (topic === "manure/demo/gw/gw1/data") batches.push(j);
    else statuses.push(j);
  });
  await consumer.subscribeAsync("manure/demo/gw/gw1/#", { qos: 1 });

  const advanceUntil = async (cond: () => boolean, what: string) => {
    const end = Date.now() + 60_000;
    while (!cond()) {
      if (Date.now() > end) throw new Error("timed out: " + what);
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  // Reconnect happens on the backoff timer (at most maxMs of simulated time).
  await advanceUntil(() => upstream.connected, "reconnect");
  const drainStart = clock.now();
  // Drain is rate-limited on the simulated clock: stop and restart mid-backlog.
  await advanceUntil(() => upstream.ackedSeq() > total / 3, "a third of the backlog");
  expect(upstream.lag()).toBeGreaterThan(0);
  await upstream.stop();
  const ackedAtStop = upstream.ackedSeq();
  upstream = mk();
  await upstream.start();
  expect(upstream.ackedSeq()).toBe(ackedAtStop); // durable cursor
  await advanceUntil(() => upstream.ackedSeq() === total, "full drain");
  // Rate limit (1000 entries/s of simulated time, one burst per process start, one batch of slack).
  const drainSeconds = (clock.now() - drainStart) / 1000;
  expect(total).toBeLessThanOrEqual(1000 * drainSeconds + 2 * 1000 + 100);
  expect(drainSeconds).toBeGreaterThan(4);
  await waitFor(() => batches.length > 0 && batches[batches.length - 1].last === total, "last batch at the consumer");

  // Consumer side: drop re-deliveries by batch id, then check no gap and no duplicate.
  const seen = new Set<string>();
  const readingSeqs: number[] = [];
  const otherSeqs: number[] = [];
  let prevLast = 0;
  for (const b of batches) {
    if (seen.has(b.id)) continue;
    seen.add(b.id);
    expect(b.id).toBe(`gw1:${b.first}-${b.last}`);
    expect(b.first).toBe(prevLast + 1); // order kept, batches contiguous
    prevLast = b.last;
    for (const r of b.r) readingSeqs.push(r[0]);
    for (const a of b.a) otherSeqs.push(a.seq);
    for (const l of b.l) otherSeqs.push(l.seq);
  }
  const all = [...readingSeqs, ...otherSeqs].sort((a, b) => a - b);
  expect(all.length).toBe(total);
  expect(new Set(all).size).toBe(total);
  expect(all[0]).toBe(1);
  expect(all[all.length - 1]).toBe(total);
  expect(readingSeqs.length).toBe(24 * 60 * 5);
  const alert = batches.flatMap((b) => b.a)[0];
  expect(alert).toMatchObject({ rule: "L3", to: "raised", severity: "critical" });
  expect(batches.flatMap((b) => b.l)[0]).toMatchObject({ kind: "load", tonnes: 10 });
  expect(store.forward("upstream").outbox()).toEqual([]);
  expect(statuses.some((s) => s.state === "online")).toBe(true);

  // Retained status: a late subscriber learns the gateway is online; after stop, offline.
  const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  const retained = new Promise<{ state: string }>((r) => late.on("message", (_t, p) => r(JSON.parse(p.toString()))));
  await late.subscribeAsync("manure/demo/gw/gw1/status", { qos: 1 });
  expect((await retained).state).toBe("online");
  await late.endAsync();
  await upstream.stop();
  await waitFor(() => statuses.length > 0 && statuses[statuses.length - 1].state === "offline", "offline status");
  store.close();
});

it("publishes the will (retained offline) when the link dies without a goodbye", async () => {
  mosq = await startMosquitto();
  const clock = new ManualClock(T0);
  const store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "FULL", clock });
  store.open();
  const cfg = parseConfig({ upstream: { url: mosq.url, protocolVersion: 5 } }).upstream!;
  const up = new Upstream(cfg, { base: "manure", farm: "demo", gateway: "gw9" }, store, new EventBus(), clock, silentLogger, new Metrics());
  await up.start();
  await waitFor(() => up.connected, "connect");
  consumer = await mqtt.connectAsync(mosq.url, { reconnectPeriod: 0 });
  const states: string[] = [];
  consumer.on("message", (_t, p) => states.push(JSON.parse(p.toString()).state));
  await consumer.subscribeAsync("manure/demo/gw/gw9/status", { qos: 1 });
  await waitFor(() => states.includes("online"), "online");
  // Cut the TCP connection under the client: the broker sends the will.
  (up as unknown as { client: { stream: { destroy(): void } } }).client.stream.destroy();
  await waitFor(() => states.includes("offline"), "will");
  await up.stop();
  store.close();
});
