import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import { tempDir } from "../../../test/support/tmp";
import { ManualClock } from "../support/manual-clock";
import { Store } from "../../src/store/store";
import { createRulesSink } from "../../src/features/rules-sink-factory";
import { synthFarm } from "../../src/rules/testing/synth";
import type { ReadingInput, UplinkInput } from "../../src/store/types";

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir("gw-rules-");
});
afterEach(() => tmp.cleanup());

/** The synthetic farm (rules' test helper): each device is one node, sensor "<node>/<dev>.<point>". */
function farm() {
  const s = synthFarm({ seed: 51, days: 2, store: { dump: { day: 1, hour: 14, m: 0.1 } }, pile: false, tanker: { roadDischargeDay: 1 } });
  const node = (k: string) => `node-${k.split(".")[0]}`;
  const rename = (k: string) => `${node(k)}/${k}`;
  for (const st of s.config.stores!) {
    st.levelSensor = rename(st.levelSensor);
    st.rainSensor = rename(st.rainSensor!);
    st.ambientSensor = rename(st.ambientSensor!);
  }
  for (const tk of s.config.tankers!) tk.weightSensor = rename(tk.weightSensor);
  return { config: s.config, readings: s.readings, node };
}

it("the real rules engine runs inside the commit: alerts, ledger and feed, state surviving a reopen", () => {
  const { config, readings, node } = farm();
  const clock = new ManualClock(Date.UTC(2026, 6, 1));
  const path = join(tmp.dir, "g.db");
  let store = new Store({ path, synchronous: "FULL", clock, rules: createRulesSink(config) });
  store.open();
  const seqs = new Map<string, number>();
  const half = Math.floor(readings.length / 2);
  const writeRange = (from: number, to: number) => {
    for (let i = from; i < to; i += 200) {
      const items: UplinkInput[] = [];
      const byNode = new Map<string, ReadingInput[]>();
      for (const r of readings.slice(i, Math.min(i + 200, to))) {
        const n = node(r.sensor);
        if (!byNode.has(n)) byNode.set(n, []);
        byNode.get(n)!.push({ key: r.sensor, t: r.t, value: r.v, flags: r.q, reason: r.v === null ? "no value" : null, lat: r.pos?.[0] ?? null, lon: r.pos?.[1] ?? null, fix: r.pos?.[2] ?? null });
      }
      for (const [n, rs] of byNode) {
        const s = (seqs.get(n) ?? 0) + 1;
        seqs.set(n, s);
        items.push({ kind: "up", node: n, boot: 1, seq: s, sentT: clock.now(), receivedAt: clock.now(), readings: rs });
      }
      store.write(items);
    }
  };
  writeRange(0, half);
  // Reopen mid-way: the engine's state comes back from rules_state.
  store.close();
  store = new Store({ path, synchronous: "FULL", clock, rules: createRulesSink(config) });
  store.open();
  writeRange(half, readings.length);
  const alerts = store.alerts();
  expect(alerts.find((a) => a.rule === "L6")).toMatchObject({ subject: "store:pit1", severity: "critical" });
  expect(alerts.find((a) => a.rule === "T2")).toMatchObject({ subject: "tanker:tk1", severity: "critical" });
  const feed = store.feedAfter(0, 1_000_000);
  expect(feed.some((f) => f.type === "alert" && f.rule === "L6")).toBe(true);
  expect(feed.some((f) => f.type === "ledger" && f.kind === "load" && f.site === "pit1")).toBe(true);
  expect(store.db.prepare("SELECT COUNT(*) AS n FROM rules_state").get()).not.toEqual({ n: 0 });
  store.close();
});
