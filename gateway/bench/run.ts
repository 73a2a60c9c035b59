/**
 * The gateway's benchmarks, one after another (`npm run bench -w gateway`, or the root
 * `npm run bench`). Each prints a table with its baseline measured in the same run.
 *   BENCH_SCALE=0.5             fewer ingest messages
 *   BENCH_INGEST_RUNS=N         alternating gateway/bare ingest runs (default 3)
 *   BENCH_UPSTREAM_READINGS=N   backlog size (default 1 000 000, about 45 s here)
 *   BENCH_UPSTREAM_RUNS=N       alternating gateway/bare drains (default 3)
 *   BENCH_UPSTREAM_BATCH=N, BENCH_UPSTREAM_WINDOW=N  batch size and window of both (default 500, 16: the config defaults)
 *   BENCH_CHART_DAYS=N          database span for the chart query (default 365)
 *   BENCH_DAYS=N, BENCH_SENSORS=N  database of the HTTP bench (default 365 days, 50 sensors)
 *   BENCH_RULES_READINGS=N      readings through the rules engine (default 50 000)
 *   BENCH_PANEL_ALERTS=N        alerts timed from MQTT publish to the panel's screen (default 30)
 *   BENCH_ONLY=upstream,chart   only these (ingest, upstream, chart, http, rules, panel); default all
 */
import { benchIngest } from "./ingest";
import { benchUpstream } from "./upstream";
import { benchChart } from "./chart";
import { benchHttp } from "./http";
import { benchRules } from "./rules";
import { benchPanelLatency } from "./panel-latency";

const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const want = (name: string): boolean => !only || only.includes(name);

if (want("ingest")) await benchIngest(Number(process.env.BENCH_SCALE ?? 1), Number(process.env.BENCH_INGEST_RUNS ?? 3));
if (want("upstream")) await benchUpstream(Number(process.env.BENCH_UPSTREAM_READINGS ?? 1_000_000), Number(process.env.BENCH_UPSTREAM_RUNS ?? 3));
if (want("chart")) await benchChart(Number(process.env.BENCH_CHART_DAYS ?? 365));
// The HTTP API's own benchmark (written by the HTTP engineer), so the root runner, which uses
// this file when a package has one, runs it too.
if (want("http")) await benchHttp(Number(process.env.BENCH_DAYS ?? 365), Number(process.env.BENCH_SENSORS ?? 50));
if (want("rules")) benchRules(Number(process.env.BENCH_RULES_READINGS ?? 50_000));
// Needs Debian's chromium (/usr/bin/chromium), like the browser tests.
if (want("panel")) await benchPanelLatency(Number(process.env.BENCH_PANEL_ALERTS ?? 30));
