import type { ServerResponse } from "node:http";
import { BASE_HEADERS, badRequest, notFound } from "../errors";
import type { RouteDeps } from "../host";
import { decodeCursor, encodeCursor, enumParam, intParam, rangeParams } from "../params";
import { ExportPager } from "../queries/export";
import type { Route } from "../router";
import { csvLine } from "../csv";
import type { FeedReading } from "../../store/queries";

const PAGE = 5000;

export function feedRoutes(d: RouteDeps): Route[] {
  const store = d.host.store;
  const pager = new ExportPager(store.db);
  return [
    {
      method: "GET",
      path: "/api/v1/feed",
      access: "read",
      handler: (ctx) => {
        const after = decodeCursor(ctx.url.searchParams.get("cursor"));
        const limit = intParam(ctx.url, "limit", 1000, 1, 10_000);
        // One synchronous read: nothing can commit between the three queries feedAfter runs
        // (same connection, same thread), and seqs are allocated in commit order, so no entry
        // can later appear below the cursor handed out here.
        const lastSeq = store.lastFeedSeq();
        const items = store.feedAfter(after, limit);
        const next = items.length > 0 ? items[items.length - 1].seq : after;
        return { json: { items, next_cursor: encodeCursor(next), last_seq: Math.max(lastSeq, next) } };
      },
    },
    {
      method: "GET",
      path: "/api/v1/export",
      access: "read",
      handler: async (ctx) => {
        const { from, to } = rangeParams(ctx.url, null, null);
        const format = enumParam(ctx.url, "format", ["csv", "ndjson"] as const, "ndjson");
        const only = ctx.url.searchParams.get("sensor");
        let sensors = pager.sensors();
        if (only !== null) {
          sensors = sensors.filter((s) => `${s.node}/${s.key}` === only);
          if (sensors.length === 0) throw notFound(`no sensor '${only.slice(0, 100)}'`);
        }
        if (to - from > 400 * 86_400_000 && only === null) throw badRequest("export at most 400 days of all sensors at once (or one sensor with 'sensor')");
        await streamExport(ctx.res, pager, sensors, from, to, format);
        return { streamed: true };
      },
    },
  ];
}

async function streamExport(res: ServerResponse, pager: ExportPager, sensors: { id: number; node: string; key: string }[], from: number, to: number, format: "csv" | "ndjson"): Promise<void> {
  res.writeHead(200, {
    ...BASE_HEADERS,
    "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
    "content-disposition": `attachment; filename="readings-${from}-${to}.${format === "csv" ? "csv" : "ndjson"}"`,
    "cache-control": "no-store",
  });
  if (format === "csv") res.write(csvLine(["sensor", "node", "key", "t_iso", "t_ms", "value", "flags", "reason", "lat", "lon", "fix", "seq"]));
  for (const s of sensors) {
    let after: { t: number; seq: number } | null = null;
    for (;;) {
      if (res.destroyed) return;
      const rows = pager.next(s, from, to, after, PAGE);
      if (rows.length === 0) break;
      let chunk = "";
      for (const r of rows) chunk += format === "csv" ? csvRow(r) : JSON.stringify(ndjsonRow(r)) + "\n";
      const last = rows[rows.length - 1];
      after = { t: last.t, seq: last.seq };
      // Backpressure: wait for a slow client instead of buffering the whole export in memory.
      if (!res.write(chunk)) await drained(res);
      if (rows.length < PAGE) break;
    }
  }
  res.end();
}

function csvRow(r: FeedReading): string {
  return csvLine([r.sensor, r.node, r.key, new Date(r.t).toISOString(), r.t, r.value, r.flags, r.reason, r.lat, r.lon, r.fix, r.seq]);
}

function ndjsonRow(r: FeedReading) {
  return { seq: r.seq, sensor: r.sensor, t: r.t, value: r.value, flags: r.flags, reason: r.reason, lat: r.lat, lon: r.lon, fix: r.fix };
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
