/**
 * Upstream drain benchmark: a backlog of N readings in the store, drained by the Upstream
 * feature into a real mosquitto (QoS 1, batches of 500, window 16, the drain rate limit
 * configured off), against bare MQTT.js publishing of the very same payload bytes with the
 * same window. Both measured until a subscriber (in this process, for both) has received the
 * last message; the two alternate `runs` times (BENCH_UPSTREAM_RUNS, default 3).
 */
import { join } from "node:path";
import { loadavg } from "node:os";
import mqtt from "mqtt";
import { tempDir } from "../../test/support/tmp";
import { startMosquitto } from "../../test/support/mosquitto";
import { systemClock } from "../src/clock";
import { Store } from "../src/store/store";
import { EventBus } from "../src/bus";
import { Metrics } from "../src/metrics";
import { silentLogger } from "../src/log";
import { Upstream } from "../src/features/upstream";
import { buildBatch } from "../src/features/upstream-payload";
import { parseConfig } from "../src/config/load";
import type { ReadingInput } from "../src/store/types";
import { printTable } from "./table";

const T0 = Date.UTC(2025, 0, 1);

export async function benchUpstream(readings = 1_000_000, runs = 3): Promise<void> {
  const tmp = tempDir("gw-bench-up-");
  const mosq = await startMosquitto({ extraConfig: ["max_queued_messages 0", "max_inflight_messages 0"] });
  try {
    const store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "FULL", clock: systemClock });
    store.open();
    const perMsg = 1000;
    for (let s = 0; s * perMsg < readings; s++) {
      const rs: ReadingInput[] = [];
      for (let i = 0; i < perMsg && s * perMsg + i < readings; i++) rs.push({ key: `dev${i % 50}.p`, t: T0 + (s * 20 + Math.floor(i / 50)) * 60_000, value: (i % 97) / 3, flags: 0, reason: null, lat: null, lon: null, fix: null });
      store.write([{ kind: "up", node: "n1", boot: 1, seq: s + 1, sentT: T0, receivedAt: T0, readings: rs }]);
    }
    const total = store.lastFeedSeq();
    const batchSize = Number(process.env.BENCH_UPSTREAM_BATCH ?? 500); // the config default (upstream.batchSize)
    const window = Number(process.env.BENCH_UPSTREAM_WINDOW ?? 16); // the config default (upstream.window)
    const topic = "manure/demo/gw/gw1/data";

    const consumer = await mqtt.connectAsync(mosq.url, { reconnectPeriod: 0 });
    let lastSeen = 0;
    let bytes = 0;
    let onLast: (() => void) | null = null;
    consumer.on("message", (_t, p) => {
      bytes += p.length;
      const j = JSON.parse(p.toString()) as { last: number };
      if (j.last > lastSeen) lastSeen = j.last;
      if (lastSeen >= total && onLast) onLast();
    });
    await consumer.subscribeAsync(topic, { qos: 1 });
    const reached = () => {
      lastSeen = 0;
      bytes = 0;
      return new Promise<void>((r) => (onLast = r));
    };

    // Gateway: the Upstream feature from the durable cursor, rate limit configured off
    // (upstream.maxPerSecond: 0; the default limit, 5000 entries/s, would make this a test of the limit).
    const cfg = parseConfig({ upstream: { url: mosq.url, batchSize, window, maxPerSecond: 0 } }).upstream!;
    const drainGateway = async (): Promise<{ ms: number; bytes: number }> => {
      // Each run drains the whole backlog again: cursor and outbox back to nothing forwarded.
      store.db.prepare("DELETE FROM forward_cursor WHERE name = 'upstream'").run();
      store.db.prepare("DELETE FROM forward_outbox WHERE name = 'upstream'").run();
      const up = new Upstream(cfg, { base: "manure", farm: "demo", gateway: "gw1" }, store, new EventBus(), systemClock, silentLogger, new Metrics());
      const done = reached();
      const t0 = performance.now();
      await up.start();
      await done;
      const ms = performance.now() - t0;
      await up.stop();
      return { ms, bytes };
    };

    // Baseline: the same payloads, prebuilt, published by bare MQTT.js with the same window.
    const payloads: string[] = [];
    for (let after = 0; after < total; ) {
      const e = store.feedAfter(after, batchSize);
      payloads.push(JSON.stringify(buildBatch("demo", "gw1", e[0].seq, e[e.length - 1].seq, e, T0)));
      after = e[e.length - 1].seq;
    }
    const drainBare = async (): Promise<{ ms: number; bytes: number }> => {
      const done = reached();
      const pub = await mqtt.connectAsync(mosq.url, { reconnectPeriod: 0 });
      const t1 = performance.now();
      await new Promise<void>((resolve) => {
        let next = 0;
        let inflight = 0;
        const pump = () => {
          while (inflight < window && next < payloads.length) {
            inflight++;
            pub.publish(topic, payloads[next++], { qos: 1 }, () => {
              inflight--;
              if (next === payloads.length && inflight === 0) resolve();
              else pump();
            });
          }
        };
        pump();
      });
      await done;
      const ms = performance.now() - t1;
      await pub.endAsync();
      return { ms, bytes };
    };

    // The machine is shared and noisy: gateway and baseline alternate, `runs` times each;
    // the table gives the median run of each and every run's ratio.
    const gw: { ms: number; bytes: number }[] = [];
    const bare: { ms: number; bytes: number }[] = [];
    for (let i = 0; i < runs; i++) {
      gw.push(await drainGateway());
      bare.push(await drainBare());
    }
    await consumer.endAsync();
    store.close();
    const median = (xs: { ms: number; bytes: number }[]) => [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)];
    const g = median(gw);
    const b0 = median(bare);
    const ratios = gw.map((x, i) => ((100 * bare[i].ms) / x.ms).toFixed(0)).join(", ");
    printTable(`Upstream drain of a ${readings}-reading backlog into mosquitto (QoS 1, ${batchSize}/batch, window ${window}, rate limit off; median of ${runs} alternating runs; load ${loadavg()[0].toFixed(1)})`, [
      { case: "gateway Upstream (cursor, outbox, PUBACK-driven)", "readings/s": total / (g.ms / 1000), "MB/s": g.bytes / 1e6 / (g.ms / 1000), ms: g.ms, "% of bare": (100 * b0.ms) / g.ms, "each run % of bare": ratios, target: "≥ 50 % of bare" },
      { case: "bare MQTT.js, same bytes", "readings/s": total / (b0.ms / 1000), "MB/s": b0.bytes / 1e6 / (b0.ms / 1000), ms: b0.ms, "% of bare": 100, "each run % of bare": "", target: "" },
    ]);
  } finally {
    await mosq.stop();
    tmp.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchUpstream(Number(process.env.BENCH_UPSTREAM_READINGS ?? 1_000_000), Number(process.env.BENCH_UPSTREAM_RUNS ?? 3));
