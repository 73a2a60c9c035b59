import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import fc from "fast-check";
import { tempDir } from "../../../test/support/tmp";
import { ManualClock } from "../../test/support/manual-clock";
import { Store } from "./store";
import { planIsInOrder, readingsSql } from "./feed-page";
import { serializeBatch, serializePage } from "../features/upstream-payload";
import type { RulesBatch, RulesResult, RulesSink } from "../rules-sink";
import type { ReadingInput } from "./types";

const T0 = Date.UTC(2026, 2, 1);

/** Raises an alert on the value 101.5 and clears it on -1; a ledger entry for value 42 (rare, so most pages are readings only). */
class ThresholdSink implements RulesSink {
  process(b: RulesBatch): RulesResult {
    const out: RulesResult = { transitions: [], ledger: [] };
    for (const r of b.readings) {
      if (r.value === null) continue;
      if (r.value === 101.5) out.transitions.push({ rule: "T1", subject: `sensor:${r.sensor}`, facility: null, severity: "warn", to: "raised", t: r.t, message: "m.high", data: { params: { v: r.value } } });
      if (r.value === -1) out.transitions.push({ rule: "T1", subject: `sensor:${r.sensor}`, facility: null, severity: "warn", to: "cleared", t: r.t });
      if (r.value === 42) out.ledger.push({ t: r.t, kind: "load", facility: "tk1", site: "pit1", tonnes: 4.2, lat: 41.5, lon: null });
    }
    return out;
  }
  snapshot(): Record<string, unknown> {
    return {};
  }
  restore(): void {}
}

let tmp: ReturnType<typeof tempDir>;
let store: Store;
beforeEach(() => {
  tmp = tempDir("gw-feed-page-");
  store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "NORMAL", clock: new ManualClock(T0), rules: new ThresholdSink() });
  store.open();
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  fc.constantFrom(42, 101.5, -1, 0, -0, 1 / 3, 0.1, 1e21, 5e-324, Infinity, -Infinity, Number.NaN),
  fc.constant(null),
);
const reading: fc.Arbitrary<ReadingInput> = fc.record({
  key: fc.constantFrom("lvl.distance", "tmp.t", "gps.pos", 'odd"key\\', "温度"),
  t: fc.integer({ min: T0, max: T0 + 86_400_000 }),
  value,
  flags: fc.nat(0xffff),
  reason: fc.option(fc.constantFrom("timeout", "crc", 'quote " and \\ and \u0001'), { freq: 4 }),
  lat: fc.option(fc.double({ min: -90, max: 90, noNaN: true }), { freq: 3 }),
  lon: fc.option(fc.double({ min: -180, max: 180, noNaN: true }), { freq: 3 }),
  fix: fc.option(fc.nat(9)),
});

it("a feed page written by SQLite is the same JSON as the entries serialised in JS", () => {
  let readingsOnly = 0;
  fc.assert(
    fc.property(fc.array(fc.array(reading, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 8 }), fc.nat(200), fc.integer({ min: 1, max: 120 }), fc.nat(200), (messages, after, limit, span) => {
      const seq0 = store.lastFeedSeq();
      for (const [i, rs] of messages.entries()) store.write([{ kind: "up", node: "n1", boot: 1, seq: seq0 * 100 + i + 1, sentT: T0, receivedAt: T0, readings: rs }]);
      const from = seq0 + (after % (store.lastFeedSeq() - seq0 + 1));
      const upTo = from + span;
      const page = store.feedPage(from, limit, upTo);
      const entries = store.feedAfter(from, limit).filter((e) => e.seq <= upTo);
      if (entries.length === 0) {
        expect(page).toBeNull();
        return;
      }
      expect(page).not.toBeNull();
      if (entries.every((e) => e.type === "reading")) readingsOnly++;
      const first = entries[0].seq;
      const last = entries[entries.length - 1].seq;
      expect([page!.first, page!.last, page!.count]).toEqual([first, last, entries.length]);
      expect(JSON.parse(serializePage("demo", "gw1", first, last, page!, 7))).toEqual(JSON.parse(serializeBatch("demo", "gw1", first, last, entries, 7)));
    }),
    { numRuns: 60 },
  );
  // Both paths ran: pages of readings only (SQLite's JSON) and pages with alerts or ledger entries.
  expect(readingsOnly).toBeGreaterThan(10);
  const counts = store.tableCounts() as Record<string, number>;
  expect(counts.alert_transitions).toBeGreaterThan(0);
  expect(counts.ledger).toBeGreaterThan(0);
});

it("reads a page of readings only, without any alert, as SQLite JSON", () => {
  const rs: ReadingInput[] = Array.from({ length: 10 }, (_, i) => ({ key: "k", t: T0 + i, value: i / 7, flags: 0, reason: null, lat: null, lon: null, fix: null }));
  store.write([{ kind: "up", node: "n1", boot: 1, seq: 1, sentT: T0, receivedAt: T0, readings: rs }]);
  const page = store.feedPage(2, 5)!;
  expect(page).toMatchObject({ first: 3, last: 7, count: 5, alerts: [], ledger: [] });
  expect(JSON.parse("[" + page.readings + "]")).toEqual([2, 3, 4, 5, 6].map((i) => [i + 1, "n1/k", T0 + i, i / 7, 0]));
  expect(store.feedPage(10, 5)).toBeNull();
});

it("reads pages in id order without sorting them on this SQLite (the plan the fast path relies on)", () => {
  // If a future SQLite plans the page query differently, feedPage sorts (ORDER BY in the
  // aggregate) and stays correct; this test says the unsorted fast path is the one in use.
  expect(planIsInOrder(store.db)).toBe(true);
  // The sorted fallback writes the same text (it is what a different plan would run).
  const rs: ReadingInput[] = Array.from({ length: 300 }, (_, i) => ({ key: `d${i % 7}.p`, t: T0 + i, value: i % 11 === 0 ? null : i / 3, flags: 0, reason: i % 11 === 0 ? "timeout" : null, lat: i % 13 === 0 ? 41.5 : null, lon: i % 13 === 0 ? 120.25 : null, fix: 1 }));
  store.write([{ kind: "up", node: "n1", boot: 1, seq: 1, sentT: T0, receivedAt: T0, readings: rs }]);
  store.feedPage(0, 1); // fills the TEMP name table
  for (const value of ["r.value", "CASE WHEN abs(r.value) <= 1.7976931348623157e308 THEN r.value END"]) {
    const [fast, sorted] = [false, true].map((ordered) => store.db.prepare(readingsSql(value, ordered)).pluck().get(17, 290) as string);
    expect(fast.length).toBeGreaterThan(1000);
    expect(fast).toBe(sorted);
  }
});

it("names sensors created after the first page was read", () => {
  const one = (key: string, i: number): ReadingInput => ({ key, t: T0 + i, value: i, flags: 0, reason: null, lat: null, lon: null, fix: null });
  store.write([{ kind: "up", node: "n1", boot: 1, seq: 1, sentT: T0, receivedAt: T0, readings: [one("a.x", 0), one("a.x", 1)] }]);
  expect(JSON.parse("[" + store.feedPage(0, 10)!.readings + "]").map((r: unknown[]) => r[1])).toEqual(["n1/a.x", "n1/a.x"]);
  store.write([{ kind: "up", node: "n2", boot: 1, seq: 1, sentT: T0, receivedAt: T0, readings: [one("b.y", 2), one("a.x", 3)] }]);
  const page = store.feedPage(0, 10)!;
  expect([page.first, page.last, page.count]).toEqual([1, 4, 4]);
  expect(JSON.parse("[" + page.readings + "]").map((r: unknown[]) => r[1])).toEqual(["n1/a.x", "n1/a.x", "n2/b.y", "n2/a.x"]);
  // The names live in a TEMP table of the connection, nothing in the database file.
  expect(store.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'feed_sensor_names'").pluck().get()).toBe(0);
});
