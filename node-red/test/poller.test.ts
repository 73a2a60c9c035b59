import { expect, it } from "vitest";
import { checkPage, FeedError, itemTopic, moreWaiting, type FeedPage } from "../src/feed/page";
import { FeedPoller, type Timers } from "../src/feed/poller";

/** Timers run by hand: `fire()` runs the earliest pending one. */
class HandTimers implements Timers {
  pending: { fn: () => void; ms: number; id: number }[] = [];
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.push({ fn, ms, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending = this.pending.filter((t) => t.id !== h);
  }
  fire(): number {
    this.pending.sort((a, b) => a.ms - b.ms);
    const t = this.pending.shift();
    if (!t) throw new Error("no timer pending");
    t.fn();
    return t.ms;
  }
}

const page = (seqs: number[], last: number, cursor = `c${seqs.at(-1) ?? 0}`): FeedPage => ({ items: seqs.map((seq) => ({ type: "reading", seq })), next_cursor: cursor, last_seq: last });
const flush = () => new Promise((r) => setImmediate(r));

function rig(answers: (FeedPage | Error | Promise<FeedPage>)[]) {
  const timers = new HandTimers();
  const saved: { cursor?: string; seq?: number } = {};
  const got: number[] = [];
  const errors: string[] = [];
  const asked: (string | undefined)[] = [];
  const poller = new FeedPoller({
    fetchPage: async (cursor) => {
      asked.push(cursor);
      const a = answers.shift();
      if (a === undefined) throw new Error("no more answers");
      if (a instanceof Error) throw a;
      return a;
    },
    store: { load: () => ({ ...saved }), save: (c, s) => Object.assign(saved, { cursor: c, seq: s }) },
    deliver: (items) => got.push(...items.map((i) => i.seq)),
    onError: (e) => errors.push(e.message),
    intervalMs: 10_000,
    timers,
  });
  return { timers, saved, got, errors, asked, poller };
}

it("pages on at once while the gateway has more, then waits the interval", async () => {
  const r = rig([page([1, 2], 5), page([3, 4], 5), page([5], 5), page([], 5, "c5")]);
  r.poller.start();
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    waits.push(r.timers.fire());
    await flush();
  }
  expect(waits).toEqual([0, 0, 0, 10_000]);
  expect(r.got).toEqual([1, 2, 3, 4, 5]);
  expect(r.asked).toEqual([undefined, "c2", "c4", "c5"]);
  expect(r.saved).toEqual({ cursor: "c5", seq: 5 });
  await r.poller.stop();
  expect(r.timers.pending).toEqual([]);
});

it("an error leaves the position, is counted, and is retried after the interval", async () => {
  const r = rig([page([1], 1), new FeedError("feed: HTTP 503 unavailable", 503), page([2], 2)]);
  r.poller.start();
  r.timers.fire();
  await flush();
  r.timers.fire();
  await flush();
  expect(r.errors).toEqual(["feed: HTTP 503 unavailable"]);
  expect(r.poller.errors).toBe(1);
  expect(r.saved).toEqual({ cursor: "c1", seq: 1 });
  expect(r.timers.pending.map((t) => t.ms)).toEqual([10_000]);
  r.timers.fire();
  await flush();
  expect(r.got).toEqual([1, 2]);
  expect(r.asked).toEqual([undefined, "c1", "c1"]);
  await r.poller.stop();
});

it("stopped while a request is out: the page is not delivered and the position not moved", async () => {
  let answer!: (p: FeedPage) => void;
  const r = rig([new Promise<FeedPage>((res) => (answer = res))]);
  r.poller.start();
  r.timers.fire();
  await flush();
  const stopped = r.poller.stop();
  answer(page([1, 2, 3], 3));
  await stopped;
  expect(r.got).toEqual([]);
  expect(r.saved).toEqual({});
  expect(r.timers.pending).toEqual([]);
});

it("reset forgets the position; pollNow polls without waiting out the interval", async () => {
  const r = rig([page([1], 1), page([1], 1)]);
  r.poller.start();
  r.timers.fire();
  await flush();
  expect(r.timers.pending.map((t) => t.ms)).toEqual([10_000]);
  r.poller.reset();
  r.poller.pollNow();
  expect(r.timers.pending.map((t) => t.ms)).toEqual([0]);
  r.timers.fire();
  await flush();
  expect(r.asked).toEqual([undefined, undefined]);
  expect(r.got).toEqual([1, 1]);
  await r.poller.stop();
});

it("checkPage refuses what is not the feed, naming the field", () => {
  const ok = { items: [{ type: "reading", seq: 3, sensor: "pit-1/lvl.distance" }], next_cursor: "x", last_seq: 9 };
  expect(checkPage(ok)).toEqual(ok);
  expect(moreWaiting(checkPage(ok))).toBe(true);
  expect(itemTopic(ok.items[0]!)).toBe("reading/pit-1/lvl.distance");
  expect(itemTopic({ type: "ledger", seq: 1, facility: "tanker1" })).toBe("ledger/tanker1");
  expect(itemTopic({ type: "future-kind", seq: 1 })).toBe("future-kind");
  const cases: [unknown, RegExp][] = [
    [null, /not a JSON object/],
    [[], /not a JSON object/],
    [{ ...ok, items: {} }, /items is not an array/],
    [{ ...ok, next_cursor: "" }, /next_cursor/],
    [{ ...ok, last_seq: -1 }, /last_seq/],
    [{ ...ok, last_seq: 1.5 }, /last_seq/],
    [{ ...ok, items: [3] }, /items\[0\] is not an object/],
    [{ ...ok, items: [{ seq: 1 }] }, /items\[0\]\.type/],
    [{ ...ok, items: [{ type: "reading", seq: "1" }] }, /items\[0\]\.seq is not a positive integer/],
    [{ ...ok, items: [{ type: "reading", seq: 2 }, { type: "reading", seq: 2 }] }, /items\[1\]\.seq 2 is not above 2/],
  ];
  for (const [json, re] of cases) expect(() => checkPage(json)).toThrow(re);
  // A page that goes back behind what was delivered is refused too.
  expect(() => checkPage(ok, 3)).toThrow(/items\[0\]\.seq 3 is not above 3/);
});
