import { afterEach, expect, it } from "vitest";
import { join } from "node:path";
import { tempDir } from "../../../test/support/tmp";
import { ManualClock } from "../../test/support/manual-clock";
import { Store } from "./store";
import type { IngestItem, ReadingInput } from "./types";

const T0 = Date.UTC(2026, 2, 1);
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function open(): Store {
  const d = tempDir("gw-writer-");
  dirs.push(d);
  const s = new Store({ path: join(d.dir, "g.db"), synchronous: "NORMAL", clock: new ManualClock(T0) });
  s.open();
  return s;
}

const r = (key: string, t: number, value: number): ReadingInput => ({ key, t, value, flags: 0, reason: null, lat: null, lon: null, fix: null });
/** An uplink received at `at`, made (its t) at `sent` (a resend keeps the t of its first send). */
const up = (node: string, boot: number, seq: number, at: number, rs: ReadingInput[], sent = at): IngestItem => ({ kind: "up", node, boot, seq, sentT: sent, receivedAt: at, readings: rs });

/** Two nodes, two boots, seqs out of order, a duplicate, a status and a reject in between. */
const items: IngestItem[] = [
  up("n1", 1, 5, T0 + 10, [r("a.x", T0, 1), r("b.y", T0, 2)]),
  up("n2", 7, 1, T0 + 11, [r("a.x", T0 + 1, 3)]),
  up("n1", 1, 3, T0 + 12, [r("a.x", T0 + 2, 4)]),
  { kind: "status", node: "n1", receivedAt: T0 + 13, status: { v: 1, n: "n1", state: "online", t: T0 + 13 } as never },
  up("n1", 1, 5, T0 + 14, [r("a.x", T0, 1), r("b.y", T0, 2)], T0 + 10), // duplicate (a resend)
  { kind: "reject", node: "n1", topic: "manure/demo/node/n1/up", reason: "r[0]: bad", payload: "{}", receivedAt: T0 + 15, boot: 2, seq: 9 },
  up("n1", 2, 1, T0 + 16, [r("c.z", T0 + 3, 5)]),
  up("n1", 1, 4, T0 + 9, [r("a.x", T0 + 4, 6)]), // received earlier than the others (clock of another path)
  up("n2", 7, 2, T0 + 17, [r("a.x", T0 + 5, 7)]),
];

function state(s: Store) {
  return {
    nodes: s.db.prepare("SELECT id, first_seen, last_seen, last_boot, last_seq, duplicates, rejects FROM nodes ORDER BY id").all(),
    boots: s.db.prepare("SELECT * FROM node_boots ORDER BY node, boot").all(),
    sensors: s.db.prepare("SELECT id, node, key, last_t, last_value FROM sensors ORDER BY id").all(),
    readings: s.db.prepare("SELECT id, sensor_id, t, value, message_id FROM readings ORDER BY id").all(),
    gaps: s.sequenceGaps(),
  };
}

it("one transaction of many messages leaves nodes, boots and sensors as one transaction per message does", () => {
  const many = open();
  const one = open();
  for (const it of items) one.write([it]);
  const b = many.write(items);
  expect(b.messages).toBe(6);
  expect(b.duplicates).toBe(1);
  expect(state(many)).toEqual(state(one));
  // And the values themselves, so both cannot be wrong the same way.
  const s = state(many);
  expect(s.nodes).toEqual([
    { id: "n1", first_seen: T0 + 10, last_seen: T0 + 16, last_boot: 1, last_seq: 4, duplicates: 1, rejects: 1 },
    { id: "n2", first_seen: T0 + 11, last_seen: T0 + 17, last_boot: 7, last_seq: 2, duplicates: 0, rejects: 0 },
  ]);
  expect(s.boots).toEqual([
    { node: "n1", boot: 1, first_seen: T0 + 10, last_seen: T0 + 9, min_seq: 3, max_seq: 5, count: 3 },
    { node: "n1", boot: 2, first_seen: T0 + 16, last_seen: T0 + 16, min_seq: 1, max_seq: 1, count: 1 },
    { node: "n2", boot: 7, first_seen: T0 + 11, last_seen: T0 + 17, min_seq: 1, max_seq: 2, count: 2 },
  ]);
  expect(s.gaps).toEqual([
    { node: "n1", boot: 1, from: 1, to: 2 },
  ]);
});

it("a rolled-back transaction forgets the sensors it created (ids are reused by the next one)", () => {
  const s = open();
  s.write([up("n1", 1, 1, T0, [r("a.x", T0, 1)])]);
  s.db.pragma("max_page_count = " + (s.db.pragma("page_count", { simple: true }) as number));
  // New sensors, then more rows than the file has room for: SQLITE_FULL, everything rolled back.
  const many = Array.from({ length: 1000 }, (_, i) => ({ ...r(`d${i}.p`, T0 + i, i), reason: "x".repeat(200) }));
  expect(() => s.write([up("n1", 1, 2, T0, many)])).toThrow();
  s.db.pragma("max_page_count = 1000000");
  s.write([up("n2", 1, 1, T0, [r("q.q", T0, 9)])]);
  const page = s.feedPage(0, 10)!;
  expect(JSON.parse("[" + page.readings + "]").map((x: unknown[]) => x[1])).toEqual(["n1/a.x", "n2/q.q"]);
  expect(s.db.prepare("SELECT node || '/' || key FROM sensors ORDER BY id").pluck().all()).toEqual(["n1/a.x", "n2/q.q"]);
});

it("stores a reading's reason and position, and NULLs for a reading without them, in one batch", () => {
  const s = open();
  s.write([
    up("n1", 1, 1, T0, [
      r("a.x", T0, 1),
      { key: "gps.pos", t: T0 + 1, value: 2, flags: 0, reason: null, lat: 31.25, lon: 121.5, fix: 1 },
      { key: "a.x", t: T0 + 2, value: null, flags: 1, reason: "timeout", lat: null, lon: null, fix: null },
      { key: "gps.pos", t: T0 + 3, value: 3, flags: 0, reason: null, lat: null, lon: null, fix: 0 },
    ]),
  ]);
  expect(s.db.prepare("SELECT t, value, flags, reason, lat, lon, fix, message_id FROM readings ORDER BY id").all()).toEqual([
    { t: T0, value: 1, flags: 0, reason: null, lat: null, lon: null, fix: null, message_id: 1 },
    { t: T0 + 1, value: 2, flags: 0, reason: null, lat: 31.25, lon: 121.5, fix: 1, message_id: 1 },
    { t: T0 + 2, value: null, flags: 1, reason: "timeout", lat: null, lon: null, fix: null, message_id: 1 },
    { t: T0 + 3, value: 3, flags: 0, reason: null, lat: null, lon: null, fix: 0, message_id: 1 },
  ]);
});

it("a reused (boot, seq) is stored apart, and its resend stays a duplicate even after the old message was deleted by retention", () => {
  const dir = tempDir("gw-writer-reuse-");
  dirs.push(dir);
  const path = join(dir.dir, "g.db");
  let s = new Store({ path, synchronous: "NORMAL", clock: new ManualClock(T0) });
  s.open();
  s.write([up("n1", 1, 1, T0, [r("a.x", T0, 1)])]);
  // Reflashed: (1, 1) again, made a day later.
  const fresh = up("n1", 1, 1, T0 + 86_400_000, [r("a.x", T0 + 86_400_000, 2)]);
  expect(s.write([fresh])).toMatchObject({ messages: 1, reusedBoot: 1, duplicates: 0 });
  expect(s.write([fresh])).toMatchObject({ messages: 0, duplicates: 1 });
  // Retention deletes the old message; a gateway restart forgets what it knew in memory.
  s.db.prepare("DELETE FROM messages WHERE node = 'n1' AND boot = 1").run();
  s.close();
  s = new Store({ path, synchronous: "NORMAL", clock: new ManualClock(T0) });
  s.open();
  expect(s.write([fresh])).toMatchObject({ messages: 0, duplicates: 1 });
  expect((s.db.prepare("SELECT COUNT(*) AS n FROM readings").get() as { n: number }).n).toBe(2);
  expect(s.db.prepare("SELECT boot, seq FROM messages ORDER BY boot").all()).toEqual([{ boot: 1 + 2 ** 32, seq: 1 }]);
  s.close();
});
