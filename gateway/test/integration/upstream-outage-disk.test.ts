import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import mqtt from "mqtt";
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
import type { ReadingInput } from "../../src/store/types";

/**
 * ../shared/anchors.md, ThingsBoard: 45 GB of disk after a 4-day outage (docs/data-loss-cases.md
 * row 6). The gateway's disk over a 4-day county outage, for a farm of 50 sensors read once a
 * minute (288 000 readings): what the readings take anyway (a store without an upstream, the
 * same data) plus the rendered outbox bodies, which stop at upstream.renderAhead. After the
 * drain the bodies are gone and their pages free for reuse.
 */
const T0 = Date.UTC(2026, 8, 1);
const SENSORS = 50;
const DAYS = 4;
const RENDER_AHEAD = 50_000;
let tmp: ReturnType<typeof tempDir>;
let mosq: Mosquitto | null = null;
const stores: Store[] = [];

beforeEach(() => {
  tmp = tempDir("gw-up-disk-");
});
afterEach(async () => {
  await mosq?.stop();
  mosq = null;
  for (const s of stores.splice(0)) s.close();
  tmp.cleanup();
});

const used = (s: Store): number => {
  const d = s.diskUse();
  return (d.pageCount - d.freePages) * d.pageSize;
};

/** One message of 10 minutes of readings from every sensor, committed; then the event loop turns (the renderer runs between commits). */
async function fourDays(store: Store, bus: EventBus): Promise<void> {
  let seq = 0;
  for (let min = 0; min < DAYS * 1440; min += 10) {
    const rs: ReadingInput[] = [];
    for (let m = min; m < min + 10; m++) for (let s = 0; s < SENSORS; s++) rs.push({ key: `dev${s % 10}.ch${Math.floor(s / 10)}`, t: T0 + m * 60_000, value: 20 + ((s * 7 + m) % 40) / 4, flags: 0, reason: null, lat: null, lon: null, fix: null });
    bus.emit("committed", store.write([{ kind: "up", node: `n${seq % 5}`, boot: 1, seq: Math.floor(seq / 5) + 1, sentT: T0 + min * 60_000, receivedAt: T0 + min * 60_000, readings: rs }]));
    seq++;
    await new Promise((r) => setImmediate(r));
  }
}

it("over a 4-day county outage the gateway's disk grows by the readings plus at most renderAhead rendered bodies, freed after the drain", { timeout: 240_000 }, async () => {
  const open = (name: string) => {
    const s = new Store({ path: join(tmp.dir, name), synchronous: "NORMAL", clock: new ManualClock(T0) });
    s.open();
    stores.push(s);
    return s;
  };
  // The same data without an upstream: what storing the readings costs anyway.
  const plain = open("plain.db");
  const plainStart = used(plain);
  await fourDays(plain, new EventBus());
  const readingsBytes = used(plain) - plainStart;

  const store = open("g.db");
  const port = await freePort(); // the county broker is down for the whole outage
  const bus = new EventBus();
  const cfg = parseConfig({ upstream: { url: `mqtt://127.0.0.1:${port}`, batchSize: 500, window: 8, maxPerSecond: 0, renderAhead: RENDER_AHEAD } }).upstream!;
  const clock = new ManualClock(T0);
  const up = new Upstream(cfg, { base: "manure", farm: "demo", gateway: "gw1" }, store, bus, clock, silentLogger, new Metrics(), () => 0.5);
  await up.start();
  const start = used(store);
  await fourDays(store, bus);
  await waitFor(() => store.forward("upstream").renderedEntries() === RENDER_AHEAD, "rendered up to the bound");
  const total = store.lastFeedSeq();
  expect(total).toBe(SENSORS * DAYS * 1440);
  const grown = used(store) - start;
  const outboxBytes = grown - readingsBytes;
  // Printed for the record (docs/data-loss-cases.md row 6 quotes a run).
  console.log(`4-day outage, ${total} readings: readings ${(readingsBytes / 1e6).toFixed(1)} MB (${(readingsBytes / total).toFixed(0)} B/reading), rendered outbox ${(outboxBytes / 1e6).toFixed(1)} MB for ${RENDER_AHEAD} entries (${(outboxBytes / RENDER_AHEAD).toFixed(0)} B/entry)`);
  expect(store.forward("upstream").renderedEntries()).toBe(RENDER_AHEAD); // never beyond the bound
  // The outbox's share: the rendered bodies (about 58 bytes an entry, a page's slack aside), nothing per reading beyond them.
  expect(outboxBytes).toBeGreaterThan(RENDER_AHEAD * 40);
  expect(outboxBytes).toBeLessThan(RENDER_AHEAD * 80);
  // Disk grows with what is stored, not with the outage's retries: a gateway that kept a
  // second copy of every reading would be at about twice readingsBytes.
  expect(grown).toBeLessThan(readingsBytes * 1.5);

  // The county broker is back: everything drains, the bodies go, their pages are free for reuse.
  mosq = await startMosquitto({ extraConfig: [`listener ${port} 127.0.0.1`, "max_queued_messages 0"] });
  const consumer = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  let last = 0;
  consumer.on("message", (_t, p) => (last = Math.max(last, (JSON.parse(p.toString()) as { last: number }).last)));
  await consumer.subscribeAsync("manure/demo/gw/gw1/data", { qos: 1 });
  while (!up.connected) {
    clock.advance(1000); // the reconnect backoff runs on the injected clock
    await new Promise((r) => setTimeout(r, 5));
  }
  await waitFor(() => up.ackedSeq() === total, "drain", 120_000);
  await waitFor(() => last === total, "consumer has the last batch");
  await consumer.endAsync();
  await up.stop();
  expect(store.forward("upstream").renderedEntries()).toBe(0);
  expect(store.forward("upstream").outbox()).toEqual([]);
  expect(used(store) - start).toBeLessThan(readingsBytes + RENDER_AHEAD * 10);
});
