/**
 * Ingest benchmark: MQTT in → validated → committed → acked, against bare better-sqlite3
 * inserts of the same rows (same pragmas: WAL, synchronous=FULL, same batch size).
 * The gateway runs as its own process (`farm-gateway start`), so its peak RSS is its own.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadavg } from "node:os";
import Database from "better-sqlite3";
import mqtt from "mqtt";
import { tempDir } from "../../test/support/tmp";
import { spawnGateway } from "../test/support/gateway-process";
import { hashSecret } from "../src/config/passwords";
import { Store } from "../src/store/store";
import type { IngestItem } from "../src/store/types";
import { ManualClock } from "../test/support/manual-clock";
import { printTable, peakRssMb } from "./table";
// @ts-expect-error plain ES module without types
import { buildGateway } from "../scripts/build.mjs";

const T0 = Date.UTC(2026, 2, 1);

function message(node: string, s: number, perMsg: number): string {
  const r = [];
  for (let i = 0; i < perMsg; i++) r.push([`dev${i % 50}.p${Math.floor(i / 50)}`, T0 + s * 60_000 + i, 20 + ((s * 7 + i) % 100) / 10, 0]);
  // With its predecessor p, as the firmware sends it, so the ack chain's cost is measured too.
  return JSON.stringify({ p: s === 1 ? 0 : [1, s - 1], v: 1, n: node, b: 1, s, t: T0 + s * 60_000, cs: 1, up: s * 1000, r });
}

/** CPU ms of the calling process while `fn` runs, and its wall time. */
function cpuOf(fn: () => void): { ms: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * The batch writer alone (Store.write: readings, rollups, nodes, boots, sensors' last value),
 * in group commits of `perTx` readings as the gateway makes them, synchronous=FULL: the
 * per-reading CPU the ingest path spends in the store, without MQTT and without the noise of
 * a second process. Items are built before the clock starts.
 */
function writerAlone(dir: string, name: string, messages: number, perMsg: number, perTx: number): { ms: number; cpuMs: number } {
  const store = new Store({ path: join(dir, `writer-${name}.db`), synchronous: "FULL", clock: new ManualClock(T0) });
  store.open();
  try {
    const batches: IngestItem[][] = [];
    let batch: IngestItem[] = [];
    for (let s = 1; s <= messages; s++) {
      const m = JSON.parse(message("n1", s, perMsg)) as { t: number; r: [string, number, number, number][] };
      const readings = m.r.map(([key, t, value, flags]) => ({ key, t, value, flags, reason: null, lat: null, lon: null, fix: null }));
      batch.push({ kind: "up", node: "n1", boot: 1, seq: s, sentT: m.t, receivedAt: m.t, readings });
      if (batch.length * perMsg >= perTx) {
        batches.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) batches.push(batch);
    return cpuOf(() => {
      for (const b of batches) store.write(b);
    });
  } finally {
    store.close();
  }
}

function bareInserts(dir: string, name: string, messages: number, perMsg: number, perTx: number): { ms: number; cpuMs: number } {
  const db = new Database(join(dir, `bare-${name}.db`));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE readings (id INTEGER PRIMARY KEY, sensor_id INTEGER NOT NULL, t INTEGER NOT NULL, value REAL, flags INTEGER NOT NULL); CREATE INDEX rs ON readings (sensor_id, t);");
  const ins = db.prepare("INSERT INTO readings (sensor_id, t, value, flags) VALUES (?, ?, ?, ?)");
  const rows: [number, number, number, number][][] = [];
  for (let s = 1; s <= messages; s++) {
    const m = JSON.parse(message("x", s, perMsg)) as { r: [string, number, number, number][] };
    rows.push(m.r.map((r, i) => [i % 50, r[1], r[2], r[3]]));
  }
  const tx = db.transaction((batch: [number, number, number, number][][]) => {
    for (const msg of batch) for (const r of msg) ins.run(r[0], r[1], r[2], r[3]);
  });
  const r = cpuOf(() => {
    for (let i = 0; i < rows.length; i += perTx) tx(rows.slice(i, i + perTx));
  });
  db.close();
  return r;
}

async function endToEnd(dir: string, name: string, messages: number, perMsg: number, entry: string): Promise<{ ms: number; rss: number }> {
  const sub = join(dir, name);
  const cfg = join(dir, name + ".json");
  writeFileSync(
    cfg,
    JSON.stringify({
      farm: "demo", gateway: "gw1", dataDir: sub, log: { level: "info" },
      mqtt: { listen: { host: "127.0.0.1", port: 0 }, nodes: [{ id: "n1", passwordHash: hashSecret("pw", { N: 1024 }) }] },
      http: { host: "127.0.0.1", port: 0 },
    }),
  );
  const gp = await spawnGateway(cfg, 30_000, entry);
  const payloads = Array.from({ length: messages }, (_, i) => message("n1", i + 1, perMsg));
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gp.mqttPort}`, { username: "n1", password: "pw", reconnectPeriod: 0 });
  let acked = 0;
  const done = new Promise<void>((resolve) =>
    client.on("message", (_t, p) => {
      acked = (JSON.parse(p.toString()) as { s: number }).s;
      if (acked >= messages) resolve();
    }),
  );
  await client.subscribeAsync("manure/demo/node/n1/ack", { qos: 1 });
  const t0 = performance.now();
  // A node sends as fast as the broker takes it; at most 2000 PUBACKs outstanding.
  let inflight = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inflight < 2000 && next < payloads.length) {
        inflight++;
        client.publish("manure/demo/node/n1/up", payloads[next++], { qos: 1 }, () => {
          inflight--;
          if (next >= payloads.length && inflight === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  await done;
  const ms = performance.now() - t0;
  const rss = peakRssMb(gp.proc.pid!);
  await client.endAsync();
  await gp.stop();
  return { ms, rss };
}

/** Median by gateway time; its own bare run beside it. */
function median<T extends { ms: number }>(xs: T[]): T {
  return [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)];
}

export async function benchIngest(scale = 1, runs = 3): Promise<void> {
  const tmp = tempDir("gw-bench-ingest-");
  try {
    const batchedMsgs = Math.round(2000 * scale);
    const per = 100;
    const singleMsgs = Math.round(20000 * scale);
    // The production bundle (what the systemd unit runs), built fresh for this run.
    const entry = (await buildGateway()) as string; // gateway/dist/, so node_modules resolve
    // The machine is shared and noisy: gateway and bare inserts alternate, `runs` times, each
    // run in a fresh database; the table gives the median run, the peak RSS of all of them.
    const batched: { ms: number; rss: number; bare: number }[] = [];
    const single: { ms: number; rss: number; bare: number }[] = [];
    const writer: { store: { ms: number; cpuMs: number }; bare: { ms: number; cpuMs: number } }[] = [];
    for (let i = 0; i < runs; i++) {
      const e1 = await endToEnd(tmp.dir, `batched-${i}`, batchedMsgs, per, entry);
      batched.push({ ...e1, bare: bareInserts(tmp.dir, `batched-${i}`, batchedMsgs, per, 10).ms });
      const e2 = await endToEnd(tmp.dir, `single-${i}`, singleMsgs, 1, entry);
      single.push({ ...e2, bare: bareInserts(tmp.dir, `single-${i}`, singleMsgs, 1, 1000).ms });
      // Same rows, same commit size (store.groupCommitMaxReadings' default, 5 000 readings).
      writer.push({ store: writerAlone(tmp.dir, `${i}`, batchedMsgs, per, 5000), bare: bareInserts(tmp.dir, `writer-${i}`, batchedMsgs, per, 5000 / per) });
    }
    const rate = (n: number, ms: number) => n / (ms / 1000);
    const each = (xs: { ms: number }[], n: number) => xs.map((x) => Math.round(rate(n, x.ms) / 1000) + "k").join(", ");
    const b = median(batched);
    const s = median(single);
    const total = batchedMsgs * per;
    printTable(`Ingest end to end (MQTT → validate → commit → ack) vs bare better-sqlite3 inserts (median of ${runs} alternating runs; load ${loadavg()[0].toFixed(1)})`, [
      { case: `batched: ${batchedMsgs} msgs × ${per} readings`, "gateway readings/s": rate(total, b.ms), "each run": each(batched, total), "bare SQLite readings/s": rate(total, b.bare), "gateway/bare %": (100 * b.bare) / b.ms, "gateway peak RSS MB": Math.max(...batched.map((x) => x.rss)), target: "≥ 50 000/s, RSS ≤ 150 MB" },
      { case: `single: ${singleMsgs} msgs × 1 reading`, "gateway readings/s": rate(singleMsgs, s.ms), "each run": each(single, singleMsgs), "bare SQLite readings/s": rate(singleMsgs, s.bare), "gateway/bare %": (100 * s.bare) / s.ms, "gateway peak RSS MB": Math.max(...single.map((x) => x.rss)), target: "≥ 5 000 msgs/s" },
    ]);
    // CPU per reading: what this work cuts; fsync waits are in the wall time, not here.
    const perReading = (x: { cpuMs: number }) => (1000 * x.cpuMs) / total;
    const w = [...writer].sort((a, b) => a.store.cpuMs - b.store.cpuMs)[Math.floor(writer.length / 2)];
    printTable(`Batch writer alone (Store.write, 5 000 readings per commit, synchronous=FULL) vs bare better-sqlite3 inserts of the same rows (median of ${runs} by writer CPU; load ${loadavg()[0].toFixed(1)})`, [
      { case: `${total} readings in ${per}-reading messages`, "writer µs CPU/reading": perReading(w.store), "each run µs": writer.map((x) => perReading(x.store).toFixed(1)).join(", "), "writer readings/s": rate(total, w.store.ms), "bare µs CPU/reading": perReading(w.bare), "bare readings/s": rate(total, w.bare.ms), "writer/bare CPU": (w.store.cpuMs / w.bare.cpuMs).toFixed(2) + "×" },
    ]);
  } finally {
    tmp.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIngest(Number(process.env.BENCH_SCALE ?? 1), Number(process.env.BENCH_INGEST_RUNS ?? 3));
