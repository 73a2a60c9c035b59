import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import { tempDir } from "../../../test/support/tmp";
import { ManualClock } from "../../test/support/manual-clock";
import { Store } from "../store/store";
import { Retention } from "./retention";
import { silentLogger } from "../log";
import type { ReadingInput } from "../store/types";

const DAY = 86_400_000;
let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir("gw-ret-");
});
afterEach(() => tmp.cleanup());

it("deletes raw readings past retention, keeps rollups and everything not yet forwarded", () => {
  const T0 = Date.UTC(2026, 0, 1);
  const clock = new ManualClock(T0 + 10 * DAY);
  const store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "FULL", clock });
  store.open();
  const rs: ReadingInput[] = [];
  for (let d = 0; d < 10; d++) rs.push({ key: "a.b", t: T0 + d * DAY, value: d, flags: 0, reason: null, lat: null, lon: null, fix: null });
  store.write([{ kind: "up", node: "n", boot: 1, seq: 1, sentT: T0, receivedAt: T0, readings: rs }]);
  let forwarded = 3; // feed seqs 1..3 forwarded upstream (days 0..2)
  const ret = new Retention(store, clock, 5, () => forwarded, silentLogger);
  expect(ret.runOnce()).toBe(3); // days 0..2 are old AND forwarded; days 3, 4 old but not forwarded
  const sid = store.sensorId("n", "a.b")!;
  expect(store.rawReadings(sid, 0, Number.MAX_SAFE_INTEGER).map((r) => r.value)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  forwarded = Infinity;
  expect(ret.runOnce()).toBe(2);
  expect(store.rawReadings(sid, 0, Number.MAX_SAFE_INTEGER).map((r) => r.value)).toEqual([5, 6, 7, 8, 9]);
  expect(store.rollupSeries(sid, "hour", T0, T0 + 10 * DAY)).toHaveLength(10);
  store.close();
});
