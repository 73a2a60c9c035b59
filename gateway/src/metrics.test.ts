import { expect, it } from "vitest";
import { Metrics } from "./metrics";

it("renders the Prometheus text format with escaped labels and collected gauges", () => {
  const m = new Metrics();
  const c = m.counter("gw_rejects_total", "Rejects by reason");
  c({ reason: "json" });
  c({ reason: "json" });
  c({ reason: 'sch"ema\\x' }, 3);
  let depth = 7;
  m.collect("gw_queue_depth", "Queue depth", () => [{ value: depth }]);
  const text = m.render();
  expect(text).toContain("# HELP gw_rejects_total Rejects by reason\n# TYPE gw_rejects_total counter\n");
  expect(text).toContain('gw_rejects_total{reason="json"} 2\n');
  expect(text).toContain('gw_rejects_total{reason="sch\\"ema\\\\x"} 3\n');
  expect(text).toContain("# TYPE gw_queue_depth gauge\ngw_queue_depth 7\n");
  depth = 9;
  expect(m.value("gw_queue_depth")).toBe(9);
  expect(m.value("gw_rejects_total", { reason: "json" })).toBe(2);
});
