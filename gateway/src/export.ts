import type { Store } from "./store/store";

const CSV_HEADER = "sensor,node,key,t_iso,t_ms,value,flags,reason,lat,lon,fix,seq\n";

/** RFC 4180: quote a field holding a comma, a quote or a line break; double inner quotes. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/** Writes every reading with from <= t < to as CSV (RFC 4180) or NDJSON; returns the count. */
export function exportReadings(store: Store, from: number, to: number, format: "csv" | "ndjson", write: (s: string) => void): number {
  let n = 0;
  let buf = format === "csv" ? CSV_HEADER : "";
  for (const r of store.readingsInRange(from, to)) {
    if (format === "csv") {
      buf += [r.sensor, r.node, r.key, new Date(r.t).toISOString(), r.t, r.value, r.flags, r.reason, r.lat, r.lon, r.fix, r.seq].map(csvField).join(",") + "\n";
    } else {
      buf += JSON.stringify({ seq: r.seq, sensor: r.sensor, t: r.t, value: r.value, flags: r.flags, reason: r.reason, lat: r.lat, lon: r.lon, fix: r.fix }) + "\n";
    }
    n++;
    if (buf.length > 65536) {
      write(buf);
      buf = "";
    }
  }
  if (buf) write(buf);
  return n;
}
