/**
 * HTTP chart benchmark: the 30-day chart of one sensor from a one-year database (50 sensors at
 * one reading a minute, with minute and hour rollups) through GET /api/v1/sensors/{s}/readings,
 * against the bare SQL query the route runs (same prepared statement, same connection
 * settings) as the baseline. Target: ≤ 100 ms for the 30-day chart through HTTP.
 *
 *   npx tsx gateway/bench/http.ts            # 365 days × 50 sensors (≈ 26 M readings, a few GB, minutes to build)
 *   BENCH_DAYS=30 npx tsx gateway/bench/http.ts
 *   BENCH_DB=/var/tmp/year.db npx tsx ...    # keep and reuse the generated database
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "../../test/support/tmp";
import { parseConfig } from "../src/config/load";
import { Gateway } from "../src/gateway";
import { systemClock } from "../src/clock";
import { silentLogger } from "../src/log";
import { Store } from "../src/store/store";
import { printTable } from "./table";

let DAYS = 365;
let SENSORS = 50;
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T_END = Date.UTC(2026, 2, 1);
let T_START = T_END - DAYS * DAY;

/** Builds the database inside SQLite (recursive CTEs): a year of readings in minutes, not hours. */
function generate(path: string): number {
  const t0 = performance.now();
  const store = new Store({ path, synchronous: "NORMAL", clock: systemClock });
  store.open();
  store.close();
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -200000");
  const perSensor = DAYS * 1440;
  db.transaction(() => {
    db.prepare("INSERT INTO nodes (id, first_seen, last_seen) VALUES ('bench', ?, ?)").run(T_START, T_END);
    for (let s = 0; s < SENSORS; s++) db.prepare("INSERT INTO sensors (node, key, first_seen) VALUES ('bench', ?, ?)").run(`dev${s}.p`, T_START);
  })();
  const ids = (db.prepare("SELECT id FROM sensors ORDER BY id").all() as { id: number }[]).map((r) => r.id);
  for (const id of ids) {
    db.transaction(() => {
      // A daily cycle plus a slow drift plus noise: values like a pit level or a pile probe.
      db.prepare(
        `INSERT INTO readings (sensor_id, t, value, flags)
         WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i + 1 < ?)
         SELECT ?, ? + i * 60000, 20 + 5 * sin(i * 6.2832 / 1440.0) + i / 100000.0 + (abs(random()) % 1000) / 1000.0, 0 FROM m`,
      ).run(perSensor, id, T_START);
      db.prepare(
        `INSERT INTO rollup_minute (sensor_id, bucket, min, max, sum, count, last, last_t)
         SELECT sensor_id, t - t % 60000, value, value, value, 1, value, t FROM readings WHERE sensor_id = ? ORDER BY t`,
      ).run(id);
      db.prepare(
        `INSERT INTO rollup_hour (sensor_id, bucket, min, max, sum, count, last, last_t)
         SELECT sensor_id, bucket, MIN(value), MAX(value), SUM(value), COUNT(*), MAX(value), MAX(t)
         FROM (SELECT sensor_id, t - t % 3600000 AS bucket, value, t FROM readings WHERE sensor_id = ?) GROUP BY bucket ORDER BY bucket`,
      ).run(id);
      db.prepare("UPDATE sensors SET last_t = (SELECT MAX(t) FROM readings WHERE sensor_id = @id), last_value = 20, last_flags = 0 WHERE id = @id").run({ id });
    })();
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('feed_seq', (SELECT MAX(id) FROM readings)) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return performance.now() - t0;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Deterministic pseudo-random windows (same for baseline and HTTP). */
function windows(span: number, n: number): { sensor: number; from: number; to: number }[] {
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out = [];
  for (let i = 0; i < n; i++) {
    const from = T_START + Math.floor(rnd() * Math.max(1, DAYS * DAY - span) / MIN) * MIN;
    out.push({ sensor: Math.floor(rnd() * SENSORS), from, to: from + span });
  }
  return out;
}

/** For bench/run.ts: `await benchHttp(365)`. */
export async function benchHttp(days = 365, sensors = 50): Promise<void> {
  DAYS = days;
  SENSORS = sensors;
  T_START = T_END - DAYS * DAY;
  const tmp = tempDir("bench-http-");
  const path = process.env.BENCH_DB ?? join(tmp.dir, "year.db");
  let genMs = 0;
  if (!existsSync(path)) {
    console.log(`generating ${DAYS} days × ${SENSORS} sensors at 1/min (${((DAYS * 1440 * SENSORS) / 1e6).toFixed(1)} M readings) in ${path} ...`);
    genMs = generate(path);
  }
  const gw = new Gateway(parseConfig({ dataDir: tmp.dir, log: { level: "silent" }, store: { path }, mqtt: { listen: { host: "127.0.0.1", port: 0 } }, http: { host: "127.0.0.1", port: 0 } }), { clock: systemClock, log: silentLogger });
  await gw.start();
  try {
    if (!gw.store.users().some((u) => u.name === "bench")) gw.store.addUser("bench", "bench-password", "viewer");
    const base = `http://127.0.0.1:${gw.http.port}`;
    const login = await fetch(base + "/api/v1/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: "bench", password: "bench-password" }) });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const sensorIds = (gw.store.db.prepare("SELECT id FROM sensors ORDER BY id").all() as { id: number }[]).map((r) => r.id);
    const rows: Record<string, string | number>[] = [];
    const cases: { name: string; span: number; res: "raw" | "minute" | "hour" }[] = [
      { name: "30-day chart (hour rollup)", span: 30 * DAY, res: "hour" },
      { name: "7-day chart (minute rollup)", span: 7 * DAY, res: "minute" },
      { name: "6-hour chart (raw)", span: 6 * HOUR, res: "raw" },
    ];
    for (const c of cases) {
      if (c.span > DAYS * DAY) continue;
      const ws = windows(c.span, RUNS);
      // Baseline: the bare query, on the gateway's own connection, no HTTP, no JSON.
      const bare: number[] = [];
      let points = 0;
      for (const w of ws) {
        const t0 = performance.now();
        const r = c.res === "raw" ? gw.store.rawReadings(sensorIds[w.sensor], w.from, w.to, 10_001) : gw.store.rollupSeries(sensorIds[w.sensor], c.res, w.from, w.to);
        bare.push(performance.now() - t0);
        points = r.length;
      }
      // The synchronous baseline loop blocked the event loop past the server's keep-alive
      // timeout: let the overdue timers close idle sockets before the next request uses one.
      await new Promise((r) => setTimeout(r, 100));
      await fetch(base + "/api/v1/health", { headers: { connection: "close" } }).then((r) => r.arrayBuffer());
      const http: number[] = [];
      let bytes = 0;
      for (const w of ws) {
        const t0 = performance.now();
        const res = await fetch(`${base}/api/v1/sensors/${encodeURIComponent(`bench/dev${w.sensor}.p`)}/readings?from=${w.from}&to=${w.to}`, { headers: { cookie } });
        const body = (await res.json()) as { res: string; points: unknown[] };
        http.push(performance.now() - t0);
        if (res.status !== 200 || body.res !== c.res) throw new Error(`unexpected answer ${res.status} ${body.res}`);
        bytes = JSON.stringify(body).length;
      }
      rows.push({ query: c.name, points, "bare SQL p50 ms": pct(bare, 50), "bare SQL p95 ms": pct(bare, 95), "HTTP p50 ms": pct(http, 50), "HTTP p95 ms": pct(http, 95), "JSON KB": Math.round(bytes / 1024), target: c.span === 30 * DAY ? "≤ 100 ms" : "" });
    }
    const readings = (gw.store.db.prepare("SELECT MAX(id) AS n FROM readings").get() as { n: number }).n;
    printTable(`HTTP chart queries: ${DAYS} days × ${SENSORS} sensors, ${(readings / 1e6).toFixed(1)} M readings, ${RUNS} random windows each${genMs ? `, DB built in ${(genMs / 1000).toFixed(0)} s` : ""}`, rows);
  } finally {
    await gw.stop();
    if (!process.env.BENCH_DB) tmp.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchHttp(Number(process.env.BENCH_DAYS ?? 365), Number(process.env.BENCH_SENSORS ?? 50));
}
