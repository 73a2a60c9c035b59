/**
 * Upstream drain benchmark: a backlog of N readings in the store, drained by the Upstream
 * feature into a real mosquitto (QoS 1, batches of 500, window 16, the drain rate limit
 * configured off), against bare MQTT.js publishing of the very same payload bytes with the
 * same window. The gateway drains twice per run: as after an outage, from an outbox whose
 * bodies were rendered while the link was down (features/upstream-render.ts; the rendering is
 * timed on its own, with the disk it takes), and with rendering off (upstream.renderAhead 0:
 * every batch read from the feed when it is published). Both measured until a subscriber (in this process, for both) has received the
 * last message; the two alternate `runs` times (BENCH_UPSTREAM_RUNS, default 3). The table
 * also gives the CPU time of this process per run (publisher and subscriber share its thread)
 * and, after the subscriber has left, both publishers timed to their last PUBACK: without the
 * subscriber's JSON.parse of every payload, which the first two rows both contain.
 */
import { join } from "node:path";
import { loadavg } from "node:os";
import mqtt from "mqtt";
import { tempDir } from "../../test/support/tmp";
import { freePort } from "../../test/support/ports";
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

interface Run {
  ms: number;
  bytes: number;
  /** CPU time of this process (user + system) during the run, ms. */
  cpu: number;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

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
    const cfg = parseConfig({ upstream: { url: mosq.url, batchSize, window, maxPerSecond: 0, renderAhead: 0 } }).upstream!;
    const renderCfg = parseConfig({ upstream: { url: `mqtt://127.0.0.1:${await freePort()}`, batchSize, window, maxPerSecond: 0, renderAhead: total } }).upstream!;
    const used = () => {
      const d = store.diskUse();
      return (d.pageCount - d.freePages) * d.pageSize;
    };
    const newUpstream = (c: typeof cfg) => new Upstream(c, { base: "manure", farm: "demo", gateway: "gw1" }, store, new EventBus(), systemClock, silentLogger, new Metrics());
    /** The link down (nothing listens on renderCfg's port): the whole backlog formed and rendered into the outbox. */
    const renderOutbox = async (): Promise<{ ms: number; cpu: number; bytes: number }> => {
      const b0 = used();
      const up = newUpstream(renderCfg);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await up.start();
      while (store.forward("upstream").renderedEntries() < total) await new Promise((r) => setTimeout(r, 5));
      const ms = performance.now() - t0;
      const cpu = cpuMs(c0);
      await up.stop();
      return { ms, cpu, bytes: used() - b0 };
    };
    const renders: { ms: number; cpu: number; bytes: number }[] = [];
    const untilAcked = async (up: Upstream): Promise<void> => {
      while (up.ackedSeq() < total) await new Promise((r) => setTimeout(r, 1));
    };
    const drainGateway = async (subscribed: boolean, rendered: boolean): Promise<Run> => {
      // Each run drains the whole backlog again: cursor and outbox back to nothing forwarded.
      store.db.prepare("DELETE FROM forward_cursor WHERE name = 'upstream'").run();
      store.db.prepare("DELETE FROM forward_outbox WHERE name = 'upstream'").run();
      if (rendered) renders.push(await renderOutbox());
      const up = newUpstream(cfg);
      const done = reached();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await up.start();
      await (subscribed ? done : untilAcked(up));
      const ms = performance.now() - t0;
      const cpu = cpuMs(c0);
      await up.stop();
      return { ms, bytes, cpu };
    };

    // Baseline: the same payloads, prebuilt, published by bare MQTT.js with the same window.
    const payloads: string[] = [];
    for (let after = 0; after < total; ) {
      const e = store.feedAfter(after, batchSize);
      payloads.push(JSON.stringify(buildBatch("demo", "gw1", e[0].seq, e[e.length - 1].seq, e, T0)));
      after = e[e.length - 1].seq;
    }
    const drainBare = async (subscribed = true): Promise<Run> => {
      const done = reached();
      const pub = await mqtt.connectAsync(mosq.url, { reconnectPeriod: 0 });
      const c0 = process.cpuUsage();
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
      if (subscribed) await done;
      const ms = performance.now() - t1;
      const cpu = cpuMs(c0);
      await pub.endAsync();
      return { ms, bytes, cpu };
    };

    // The machine is shared and noisy: gateway and baseline alternate, `runs` times each;
    // the table gives the median run of each and every run's ratio.
    const load0 = loadavg()[0];
    const gw: Run[] = [];
    const gwUnrendered: Run[] = [];
    const bare: Run[] = [];
    for (let i = 0; i < runs; i++) {
      gw.push(await drainGateway(true, true));
      bare.push(await drainBare());
      gwUnrendered.push(await drainGateway(true, false));
    }
    // The same without the subscriber (each to its last PUBACK): what publishing alone costs.
    await consumer.unsubscribeAsync(topic);
    const gwAlone: Run[] = [];
    const bareAlone: Run[] = [];
    for (let i = 0; i < runs; i++) {
      gwAlone.push(await drainGateway(false, true));
      bareAlone.push(await drainBare(false));
    }
    await consumer.endAsync();
    store.close();
    const median = (xs: Run[]) => [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)];
    const medianCpu = (xs: Run[]) => [...xs].map((x) => x.cpu).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const row = (name: string, xs: Run[], base: Run[], target: string, subscribed: boolean) => {
      const m = median(xs);
      return {
        case: name,
        "readings/s": total / (m.ms / 1000),
        "MB/s": subscribed ? m.bytes / 1e6 / (m.ms / 1000) : "",
        ms: m.ms,
        "CPU ms": medianCpu(xs),
        "% of bare": (100 * median(base).ms) / m.ms,
        "each run % of bare": xs === base ? "" : xs.map((x, i) => ((100 * base[i].ms) / x.ms).toFixed(0)).join(", "),
        target,
      };
    };
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    printTable(`Upstream drain of a ${readings}-reading backlog into mosquitto (QoS 1, ${batchSize}/batch, window ${window}, rate limit off; median of ${runs} alternating runs; load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}; CPU ms: this process, subscriber included where subscribed)`, [
      row("gateway Upstream, outbox rendered during the outage, until the subscriber has all", gw, bare, "≥ 50 % of bare", true),
      row("bare MQTT.js, same bytes, until the subscriber has all", bare, bare, "", true),
      row("gateway Upstream, nothing rendered (read at publish), until the subscriber has all", gwUnrendered, bare, "", true),
      row("gateway (rendered), no subscriber, until the last PUBACK", gwAlone, bareAlone, "", false),
      row("bare MQTT.js, no subscriber, until the last PUBACK", bareAlone, bareAlone, "", false),
    ]);
    printTable(`Rendering the outbox while the link is down (before each rendered drain above; median of ${renders.length})`, [
      { case: "render the whole backlog into the outbox", "readings/s": total / (mid(renders.map((r) => r.ms)) / 1000), ms: mid(renders.map((r) => r.ms)), "CPU ms": mid(renders.map((r) => r.cpu)), "disk MB (until acked)": mid(renders.map((r) => r.bytes)) / 1e6, "bytes/reading": mid(renders.map((r) => r.bytes)) / total },
    ]);
  } finally {
    await mosq.stop();
    tmp.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchUpstream(Number(process.env.BENCH_UPSTREAM_READINGS ?? 1_000_000), Number(process.env.BENCH_UPSTREAM_RUNS ?? 3));
