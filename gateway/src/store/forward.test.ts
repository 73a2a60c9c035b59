import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import { tempDir } from "../../../test/support/tmp";
import { ManualClock } from "../../test/support/manual-clock";
import { Store } from "./store";

const T0 = Date.UTC(2026, 2, 1);
let tmp: ReturnType<typeof tempDir>;
let store: Store;
beforeEach(() => {
  tmp = tempDir("gw-forward-");
  store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "NORMAL", clock: new ManualClock(T0) });
  store.open();
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

it("records new batches and, in the same commit, moves the cursor over acknowledged ones", () => {
  const f = store.forward("upstream");
  f.addBatches([{ first: 1, last: 10 }, { first: 11, last: 20 }, { first: 21, last: 30 }], T0);
  expect(f.cursor()).toBe(0);
  f.addBatches([{ first: 31, last: 40 }], T0 + 1, 20);
  expect(f.cursor()).toBe(20);
  expect(f.outbox()).toEqual([{ first: 21, last: 30 }, { first: 31, last: 40 }]);
  // Nothing new to record, only the cursor: still one commit that moves it.
  f.addBatches([], T0 + 2, 30);
  expect(f.cursor()).toBe(30);
  expect(f.outbox()).toEqual([{ first: 31, last: 40 }]);
  // What a restart sees.
  store.close();
  store.open();
  const again = store.forward("upstream");
  expect([again.cursor(), again.outbox()]).toEqual([30, [{ first: 31, last: 40 }]]);
});
