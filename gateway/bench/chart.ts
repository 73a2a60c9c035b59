/**
 * Chart query benchmark: a one-year database (50 sensors × one reading a minute = 26.3 M
 * readings, minute and hour rollups), then a 30-day chart of one sensor as the API asks for
 * it (resolutionFor → hourly rollups, 720 points). Baseline in the same run: the same chart
 * aggregated from the raw readings. The database is generated with bulk SQL (not through the
 * ingest path: 26 M readings through MQTT would take the benchmark's whole budget); the
 * rollups get the same definition as the incremental ones (store/rollups.ts).
 */
import { join } from "node:path";
import { tempDir } from "../../test/support/tmp";
import { systemClock } from "../src/clock";
import { Store } from "../src/store/store";
import { resolutionFor } from "../src/store/queries";
import { printTable } from "./table";

const MIN = 60_000;
const DAY = 86_400_000;

export async function benchChart(days = 365, sensors = 50): Promise<void> {
  const tmp = tempDir("gw-bench-chart-");
  const T0 = Date.UTC(2025, 0, 1);
  try {
    const store = new Store({ path: join(tmp.dir, "year.db"), synchronous: "FULL", clock: systemClock });
    store.open();
    const db = store.db;
    const g0 = performance.now();
    db.pragma("synchronous = OFF");
    db.exec("DROP INDEX readings_sensor_t");
    db.transaction(() => {
      const ins = db.prepare("INSERT INTO sensors (id, node, key, first_seen) VALUES (?, ?, ?, ?)");
      for (let s = 1; s <= sensors; s++) ins.run(s, `node-${Math.ceil(s / 5)}`, `dev${s}.t`, T0);
    })();
    // One day per statement keeps each transaction (and the WAL) moderate.
    const insDay = db.prepare(
      `WITH RECURSIVE m(x) AS (SELECT ? UNION ALL SELECT x + 1 FROM m WHERE x < ?)
       INSERT INTO readings (sensor_id, t, value, flags) SELECT s.id, ? + m.x * ${MIN}, 20.0 + ((m.x * 7 + s.id * 13) % 400) / 10.0, 0 FROM m CROSS JOIN sensors s`,
    );
    for (let d = 0; d < days; d++) insDay.run(d * 1440, d * 1440 + 1439, T0);
    db.exec("CREATE INDEX readings_sensor_t ON readings (sensor_id, t)");
    db.exec(`INSERT INTO rollup_minute (sensor_id, bucket, min, max, sum, count, last, last_t)
             SELECT sensor_id, t - t % ${MIN}, MIN(value), MAX(value), SUM(value), COUNT(*), value, MAX(t) FROM readings GROUP BY sensor_id, t - t % ${MIN}`);
    db.exec(`INSERT INTO rollup_hour (sensor_id, bucket, min, max, sum, count, last, last_t)
             SELECT sensor_id, bucket - bucket % 3600000, MIN(min), MAX(max), SUM(sum), SUM(count), last, MAX(last_t) FROM rollup_minute GROUP BY sensor_id, bucket - bucket % 3600000`);
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.pragma("synchronous = FULL");
    const genS = (performance.now() - g0) / 1000;
    const counts = store.tableCounts();
    const disk = store.diskUse();

    const to = T0 + days * DAY;
    const from = to - 30 * DAY;
    const sensor = 17;
    const res = resolutionFor(from, to);
    const time = (fn: () => unknown, runs = 15) => {
      const first = performance.now();
      fn();
      const cold = performance.now() - first;
      const ts: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        fn();
        ts.push(performance.now() - t);
      }
      ts.sort((a, b) => a - b);
      return { cold, median: ts[Math.floor(ts.length / 2)], max: ts[ts.length - 1] };
    };
    let points = 0;
    const chart = time(() => (points = store.rollupSeries(sensor, res as "hour", from, to).length));
    const raw = time(
      () =>
        db
          .prepare(`SELECT t - t % 3600000 AS b, MIN(value), MAX(value), AVG(value), COUNT(*) FROM readings WHERE sensor_id = ? AND t >= ? AND t < ? GROUP BY b ORDER BY b`)
          .all(sensor, from, to).length,
      5,
    );
    const week = time(() => store.rollupSeries(sensor, "minute", to - 7 * DAY, to).length);
    store.close();
    printTable(
      `Chart query on a ${days}-day database: ${sensors} sensors × 1/min = ${counts.readings} readings, ${(disk.dbBytes / 1e9).toFixed(2)} GB (generated in ${genS.toFixed(0)} s)`,
      [
        { query: `30 days, one sensor, ${res} rollups (${points} points)`, "cold ms": chart.cold, "median ms": chart.median, "max ms": chart.max, target: "≤ 100 ms" },
        { query: "baseline: same chart aggregated from raw readings", "cold ms": raw.cold, "median ms": raw.median, "max ms": raw.max, target: "" },
        { query: "7 days, one sensor, minute rollups (10 080 points)", "cold ms": week.cold, "median ms": week.median, "max ms": week.max, target: "" },
      ],
    );
  } finally {
    tmp.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchChart(Number(process.env.BENCH_CHART_DAYS ?? 365));
