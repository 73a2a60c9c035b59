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

it("keeps rendered bodies with their batches until acknowledged, across a restart", () => {
  const f = store.forward("upstream");
  f.addBatches([{ first: 1, last: 10 }, { first: 11, last: 20 }, { first: 21, last: 30 }], T0);
  expect(f.unrendered(0, 10)).toEqual([{ first: 1, last: 10 }, { first: 11, last: 20 }, { first: 21, last: 30 }]);
  f.setBodies([{ first: 1, last: 10, body: '"r":[1],"a":[],"l":[]', entries: 10 }, { first: 11, last: 20, body: '"r":[2],"a":[],"l":[]', entries: 9 }]);
  expect(f.unrendered(0, 10)).toEqual([{ first: 21, last: 30 }]);
  expect(f.unrendered(11, 10)).toEqual([{ first: 21, last: 30 }]);
  expect(f.body({ first: 11, last: 20 })).toEqual({ body: '"r":[2],"a":[],"l":[]', entries: 9 });
  // Looked up by both bounds: a batch of other bounds has no body.
  expect(f.body({ first: 11, last: 19 })).toBeUndefined();
  expect(f.body({ first: 21, last: 30 })).toBeUndefined();
  expect(f.renderedEntries()).toBe(19);
  store.close();
  store.open();
  const again = store.forward("upstream");
  expect(again.body({ first: 1, last: 10 })?.entries).toBe(10);
  again.acknowledge(10, T0 + 1);
  expect(again.body({ first: 1, last: 10 })).toBeUndefined();
  expect(again.renderedEntries()).toBe(9);
  // A body for a batch acknowledged meanwhile is not written back.
  again.setBodies([{ first: 1, last: 10, body: '"r":[],"a":[],"l":[]', entries: 0 }]);
  expect(again.outbox()).toEqual([{ first: 11, last: 20 }, { first: 21, last: 30 }]);
});
