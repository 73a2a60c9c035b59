import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { Q } from "@manure-edge/protocol";
import { tempDir } from "../../../test/support/tmp";
import { ManualClock } from "../../test/support/manual-clock";
import { Store } from "./store";
import { CommitQueue } from "./commit-queue";
import { MIGRATIONS } from "./migrations";
import { silentLogger } from "../log";
import type { CommittedBatch, ReadingInput, UplinkInput } from "./types";
import type { RulesSink } from "../rules-sink";

const T0 = Date.UTC(2026, 2, 1);

function reading(key: string, t: number, value: number | null, flags = 0): ReadingInput {
  return { key, t, value, flags, reason: value === null ? "timeout" : null, lat: null, lon: null, fix: null };
}

function up(node: string, boot: number, seq: number, readings: ReadingInput[]): UplinkInput {
  return { kind: "up", node, boot, seq, sentT: T0, receivedAt: T0, readings };
}

let tmp: ReturnType<typeof tempDir>;
let clock: ManualClock;
let store: Store;

beforeEach(() => {
  tmp = tempDir("gw-store-");
  clock = new ManualClock(T0);
  store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "FULL", clock });
  store.open();
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

describe("Store", () => {
  it("migrates, reports schema version and WAL mode", () => {
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("synchronous", { simple: true })).toBe(2); // FULL
    expect(store.db.prepare("SELECT MAX(version) AS v FROM schema_version").get()).toEqual({ v: MIGRATIONS[MIGRATIONS.length - 1].version });
    // Every migration ran, in order (a later one appended by another change must not skip one).
    expect((store.db.prepare("SELECT version FROM schema_version ORDER BY version").all() as { version: number }[]).map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("deduplicates (node, boot, seq) and keeps feed seq in commit order", () => {
    const b1 = store.write([up("n1", 1, 1, [reading("lvl.d", T0, 1.5), reading("lvl.d", T0 + 60_000, 1.6)])]);
    const b2 = store.write([up("n1", 1, 1, [reading("lvl.d", T0, 1.5), reading("lvl.d", T0 + 60_000, 1.6)]), up("n1", 1, 2, [reading("lvl.d", T0 + 120_000, 1.7)])]);
    expect(b1.messages).toBe(1);
    expect(b2.duplicates).toBe(1);
    expect(b2.messages).toBe(1);
    expect(store.tableCounts().readings).toBe(3);
    const feed = store.feedAfter(0, 10);
    expect(feed.map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(store.feedAfter(2, 10).map((f) => f.seq)).toEqual([3]);
    expect(b2.acks).toEqual([{ node: "n1", boot: 1, seq: 2 }]);
  });

  it("detects sequence gaps per boot", () => {
    store.write([up("n1", 1, 1, [reading("a.x", T0, 1)]), up("n1", 1, 4, [reading("a.x", T0 + 1, 1)]), up("n1", 2, 3, [reading("a.x", T0 + 2, 1)])]);
    expect(store.sequenceGaps()).toEqual([
      { node: "n1", boot: 1, from: 2, to: 3 },
      { node: "n1", boot: 2, from: 1, to: 2 },
    ]);
  });

  it("maintains minute and hour rollups incrementally, excluding faulted readings", () => {
    const id = () => store.sensorId("n1", "p.t")!;
    store.write([up("n1", 1, 1, [reading("p.t", T0 + 1000, 50), reading("p.t", T0 + 2000, 52), reading("p.t", T0 + 61_000, 40)])]);
    store.write([up("n1", 1, 2, [reading("p.t", T0 + 500, 48), reading("p.t", T0 + 3000, null, Q.MODBUS_ERROR), reading("p.t", T0 + 4000, 999, Q.SENSOR_FAULT)])]);
    const m = store.rollupSeries(id(), "minute", T0, T0 + 3_600_000);
    expect(m).toEqual([
      { t: T0, min: 48, max: 52, avg: 50, count: 3, last: 52 },
      { t: T0 + 60_000, min: 40, max: 40, avg: 40, count: 1, last: 40 },
    ]);
    const h = store.rollupSeries(id(), "hour", T0, T0 + 3_600_000);
    expect(h).toEqual([{ t: T0, min: 40, max: 52, avg: 47.5, count: 4, last: 40 }]);
  });

  it("stores rejects with a truncated payload and acks them with err", () => {
    const b = store.write([{ kind: "reject", node: "n2", topic: "manure/f/node/n2/up", reason: "bad json", payload: "x".repeat(5000), receivedAt: T0, boot: 3, seq: 9 }]);
    expect(b.acks).toEqual([{ node: "n2", boot: 3, seq: 9, err: "bad json" }]);
    const r = store.recentRejects();
    expect(r[0].payload!.length).toBe(1024);
    expect(store.rejectCounts()).toEqual([{ reason: "bad json", count: 1 }]);
  });

  it("calls the rules sink inside the transaction and stores its transitions and ledger in the feed", () => {
    store.close();
    let seen = 0;
    let state = { n: 0 };
    const rules: RulesSink = {
      process(b) {
        seen += b.readings.length;
        state = { n: state.n + b.readings.length };
        const hot = b.readings.find((r) => (r.value ?? 0) > 65);
        return {
          transitions: hot ? [{ rule: "C5", subject: hot.sensor, facility: "pile1", severity: "warn", to: "raised", t: hot.t, message: "overheat" }] : [],
          ledger: hot ? [{ t: hot.t, kind: "load", facility: "pit1", site: null, tonnes: 12.5 }] : [],
        };
      },
      snapshot: () => ({ pile1: state }),
      restore: (s) => {
        state = (s.pile1 as { n: number }) ?? { n: 0 };
      },
    };
    store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "FULL", clock, rules });
    store.open();
    const b = store.write([up("n1", 1, 1, [reading("p.t", T0, 60), reading("p.t", T0 + 1, 70)])]);
    expect(seen).toBe(2);
    expect(b.transitions.map((t) => [t.rule, t.to, t.from])).toEqual([["C5", "raised", null]]);
    expect(store.feedAfter(0, 10).map((f) => [f.type, f.seq])).toEqual([["reading", 1], ["reading", 2], ["alert", 3], ["ledger", 4]]);
    const ack = store.acknowledgeAlert(b.transitions[0].alertId, "turned the pile", "wang");
    expect(ack?.from).toBe("raised");
    expect(ack?.seq).toBe(5);
    expect(store.alerts({ open: true })[0].state).toBe("acknowledged");
    // state restored at reopen from rules_state
    store.close();
    state = { n: -1 };
    store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "FULL", clock, rules });
    store.open();
    expect(state).toEqual({ n: 2 });
    expect(store.lastFeedSeq()).toBe(5);
  });

  it("disk full (max_page_count): nothing committed, queue kept, recovers when space returns", () => {
    const committed: CommittedBatch[] = [];
    const states: boolean[] = [];
    const cq = new CommitQueue(store, clock, { flushMs: 10, maxBatch: 50, maxQueue: 300, retryMs: 100 }, (b) => committed.push(b), silentLogger, (s) => states.push(s.ok));
    void cq.start();
    const pages = store.diskUse().pageCount;
    store.setMaxPageCount(pages + 2);
    let seq = 0;
    const many = () => Array.from({ length: 40 }, (_, i) => reading("a.b", T0 + seq * 1000 + i, i));
    // Fill until a commit fails.
    while (cq.state.ok && seq < 2000) {
      cq.enqueue(up("n1", 1, ++seq, many()));
      clock.advance(10);
    }
    expect(cq.state.ok).toBe(false);
    expect(cq.state.reason).toMatch(/SQLITE_FULL/);
    const ackedBefore = Math.max(0, ...committed.flatMap((b) => b.acks.map((a) => a.seq)));
    const stored = store.tableCounts().messages;
    expect(ackedBefore).toBe(stored);
    // More arrive while full: queued (bounded), not acked.
    for (let i = 0; i < 400; i++) cq.enqueue(up("n1", 1, ++seq, many()));
    expect(cq.depth).toBe(300);
    expect(cq.dropped).toBeGreaterThan(0);
    clock.advance(1000);
    expect(store.tableCounts().messages).toBe(stored);
    store.setMaxPageCount(1_000_000);
    clock.advance(2000);
    expect(cq.state.ok).toBe(true);
    expect(cq.depth).toBe(0);
    expect(states).toEqual([false, true]);
    // Everything that was queued is stored; the acks never cover a message that was dropped.
    expect(store.tableCounts().messages).toBe(stored + 300);
    const ackedAfter = Math.max(...committed.flatMap((b) => b.acks.map((a) => a.seq)));
    expect(ackedAfter).toBe(stored + 300);
    expect(store.sequenceGaps()).toEqual([]);
    expect(store.integrityCheck()).toBe("ok");
  });
});
