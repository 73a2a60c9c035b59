import { describe, expect, it } from "vitest";
import { createRulesEngine } from "./engine";
import { collect, feed, runSynth, type RunOutput } from "./testing/run";
import { rng } from "./testing/rng";
import { synthFarm, T0 } from "./testing/synth";
import type { RuleReading } from "./types";
import { DAY } from "./util/time";

/** A month with faults in every family, so that there are transitions to compare. */
function month() {
  return synthFarm({
    seed: 11, days: 30,
    store: { leakMmD: 6, dump: { day: 20, hour: 14, m: 0.1 }, rains: [{ day: 14, hour: 11, hours: 3, mm: 30 }], undeclaredCatchmentM2: 400 },
    pile: { rainDrop: { day: 9, dropC: 15 }, overheat: { day: 6, hours: 8, addC: 12 } },
    tanker: { roadDischargeDay: 5, weighFactor: 1 },
  });
}

const strip = (o: Omit<RunOutput, "engine">) => ({ transitions: o.transitions, ledger: o.ledger, events: o.events });

describe("data time: live versus backlog", () => {
  const s = month();
  const backlog = runSynth(s);

  it("has something to compare (alerts of several families)", () => {
    const rules = new Set(backlog.transitions.map((t) => t.rule));
    for (const r of ["L5", "L6", "L9", "T2", "C5", "C6", "C10"]) expect(rules).toContain(r);
    expect(backlog.ledger.length).toBeGreaterThan(50);
  });

  it("gives identical transitions, ledger and inferred events when the month arrives one reading at a time", () => {
    const live = runSynth(month(), { batch: 1 });
    expect(strip(live)).toEqual(strip(backlog));
  });

  it("and with random batch sizes", () => {
    const r = rng(5);
    const mixed = runSynth(month(), { batch: () => 1 + Math.floor(r.next() * r.next() * 5000) });
    expect(strip(mixed)).toEqual(strip(backlog));
  });

  it("and when readings inside a batch are out of order across sensors (within the reorder window)", () => {
    const m = month();
    const r = rng(9);
    // Shuffle within blocks of 200 readings (a few minutes of data), as several nodes' messages interleave.
    for (let i = 0; i < m.readings.length; i += 200) {
      const block = m.readings.slice(i, i + 200);
      for (let j = block.length - 1; j > 0; j--) {
        const k = Math.floor(r.next() * (j + 1));
        [block[j], block[k]] = [block[k]!, block[j]!];
      }
      m.readings.splice(i, block.length, ...block);
    }
    const shuffled = runSynth(m, { batch: 200 });
    expect(strip(shuffled)).toEqual(strip(backlog));
  });

  it("gives identical transitions after a snapshot (JSON) and restore in the middle of the stream", () => {
    const m = month();
    const cfg = m.config;
    const e1 = createRulesEngine(cfg);
    const cut = m.readings.findIndex((x) => x.t >= T0 + 13.4 * DAY);
    const evCut = m.events.filter((e) => e.t <= m.readings[cut - 1]!.t).length;
    feed(e1, m.readings.slice(0, cut), m.events.slice(0, evCut), 997, { engine: e1, transitions: [], ledger: [], annotations: [], events: [] });
    const snap = JSON.parse(JSON.stringify(e1.snapshot()));
    const e2 = createRulesEngine(cfg, snap);
    const rest: RunOutput = { engine: e2, transitions: [], ledger: [], annotations: [], events: [] };
    feed(e2, m.readings.slice(cut), m.events.slice(evCut), 1500, rest);
    collect(rest, e2.flush());
    // Compare the restored run's tail with the uninterrupted run's tail.
    const tail = <T extends { t: number }>(xs: T[], from: number) => xs.filter((x) => x.t >= from);
    const from = m.readings[cut - 1]!.t;
    expect(tail(rest.transitions, from)).toEqual(tail(backlog.transitions, from));
    expect(tail(rest.ledger, from)).toEqual(tail(backlog.ledger, from));
    expect(rest.transitions.length).toBeGreaterThan(0);
  });
});

describe("engine input handling", () => {
  const cfg = {
    stores: [{ id: "p", type: "concrete", covered: true, surfaceM2: 100, depthToLipM: 2, mounting: { kind: "pressure-bottom", offset: 0 }, levelSensor: "p.l" }],
  } as const;

  it("counts unknown sensors and unsynchronised clocks, and annotates late readings without evaluating them", () => {
    const e = createRulesEngine(cfg);
    const t = T0;
    const rs: RuleReading[] = [];
    for (let i = 0; i < 30; i++) rs.push({ sensor: "p.l", t: t + i * 60_000, v: 1 + (i % 3) * 0.001, q: 0 });
    rs.push({ sensor: "nobody.x", t: t + 5, v: 1, q: 0 });
    rs.push({ sensor: "p.l", t: 123, v: 1, q: 8 });
    e.process({ readings: rs, events: [] });
    const late = e.process({ readings: [{ sensor: "p.l", t: t + 60_000 + 1, v: 0.5, q: 0 }], events: [] });
    expect(late.annotations).toEqual([{ sensor: "p.l", from: t + 60_001, to: t + 60_001, q: 0, reason: "late" }]);
    const c = e.state().counters;
    expect(c).toMatchObject({ unknownSensor: 1, unsynced: 1, late: 1 });
    expect(c.pending).toBeGreaterThan(0);
  });

  it("converts a pressure sensor at the bottom (m of water) to level through the density", () => {
    const e = createRulesEngine({ stores: [{ ...cfg.stores[0], density: 1.25 }] });
    e.process({ readings: [{ sensor: "p.l", t: T0, v: 2.0, q: 0 }], events: [] });
    e.flush();
    expect(e.state().stores[0]!.levelM).toBeCloseTo(1.6, 6);
  });

  it("rejects a snapshot that is not one", () => {
    expect(() => createRulesEngine(cfg, { hello: 1 })).toThrow(/snapshot/);
  });

  it("acknowledges an open alert by key and refuses an unknown key", () => {
    const e = createRulesEngine(cfg);
    // Level 1.9 m in a 2 m tank: freeboard 0.1 m < 0.30 m → L1.
    const r = e.process({ readings: [{ sensor: "p.l", t: T0, v: 1.9, q: 0 }], events: [] });
    const f = e.flush();
    const l1 = [...r.transitions, ...f.transitions].find((x) => x.rule === "L1");
    expect(l1).toMatchObject({ to: "raised", severity: "critical", messageId: "rules.storage.freeboardLow", facility: "p" });
    const ack = e.acknowledge(l1!.key, "tanker booked", "zhao", T0 + 1000);
    expect(ack).toMatchObject({ key: "L1|store:p", from: "raised", to: "acknowledged", by: "zhao", note: "tanker booked" });
    expect(() => e.acknowledge("L9|store:p", "x", "zhao", T0)).toThrow(/no open alert/);
  });

  it("counts malformed readings and keeps going", () => {
    const e = createRulesEngine(cfg);
    const bad = [null, { sensor: 5, t: T0, v: 1, q: 0 }, { sensor: "p.l", t: Number.NaN, v: 1, q: 0 }, { sensor: "p.l", t: T0, v: "1", q: 0 }, { sensor: "p.l", t: T0, v: 1, q: 0.5 }];
    e.process({ readings: [...bad, { sensor: "p.l", t: T0, v: 1, q: 0 }] as unknown as RuleReading[], events: [] });
    e.flush();
    expect(e.state().counters).toMatchObject({ invalid: 5, processed: 1 });
  });

  it("uses time-corrected readings (CLOCK_UNSYNC | TIME_CORRECTED) and skips uncorrected ones", () => {
    const e = createRulesEngine(cfg);
    e.process({ readings: [{ sensor: "p.l", t: T0, v: 1.25, q: 8 | 256 }, { sensor: "p.l", t: 5_000, v: 1.9, q: 8 }], events: [] });
    e.flush();
    expect(e.state().stores[0]!.levelM).toBeCloseTo(1.25 / 1.02, 6);
    expect(e.state().counters.unsynced).toBe(1);
  });

  it("one sensor with a clock years ahead does not make the others late; two sensors jumping together do move time", () => {
    const two = { stores: [cfg.stores[0], { ...cfg.stores[0], id: "q", levelSensor: "q.l" }] };
    const e = createRulesEngine(two);
    const min = 60_000;
    const rs = (s: string, from: number, n: number) => Array.from({ length: n }, (_, i) => ({ sensor: s, t: from + i * min, v: 1, q: 0 }));
    e.process({ readings: rs("p.l", T0, 30), events: [] });
    e.process({ readings: rs("q.l", T0 + 3 * 365 * DAY, 5), events: [] }); // wrong clock
    e.process({ readings: rs("p.l", T0 + 30 * min, 30), events: [] });
    expect(e.state().counters).toMatchObject({ late: 0, ahead: 5 });
    expect(e.state().now).toBe(T0 + 49 * min); // 59 min − 10 min reorder window
    // A whole-farm outage of 3 days ends: both sensors jump together.
    const after = T0 + 3 * DAY;
    e.process({ readings: [...rs("p.l", after, 20), ...rs("q.l", after, 20)].sort((a, b) => a.t - b.t), events: [] });
    expect(e.state().now).toBeGreaterThan(after);
    expect(e.state().now).toBeLessThan(after + DAY); // the wrong clock stays held aside
    const snap = e.snapshot() as { maxSeen: number; ahead: Record<string, unknown[]> };
    expect(snap.maxSeen).toBeLessThan(after + DAY);
    expect(snap.ahead["q.l"]).toHaveLength(5);
    expect(e.state().counters.late).toBe(0);
  });

  it("ignores its own inferred turnings when the store feeds them back as events", () => {
    const a = runSynth(synthFarm({ seed: 12, days: 12, store: false, tanker: false }));
    expect(a.events.length).toBeGreaterThan(0);
    const m = synthFarm({ seed: 12, days: 12, store: false, tanker: false });
    const e = createRulesEngine(m.config);
    const out: RunOutput = { engine: e, transitions: [], ledger: [], annotations: [], events: [] };
    // Live, in batches of 50, with every inferred event fed back in the next batch.
    let back: typeof out.events = [];
    let ei = 0;
    for (let i = 0; i < m.readings.length; i += 50) {
      const chunk = m.readings.slice(i, i + 50);
      const ev = back;
      while (ei < m.events.length && m.events[ei]!.t <= chunk[chunk.length - 1]!.t) ev.push(m.events[ei++]!);
      const r = e.process({ readings: chunk, events: ev });
      collect(out, r);
      back = r.events.map((x) => ({ ...x }));
    }
    collect(out, e.flush());
    expect(strip(out)).toEqual(strip(a));
  });
});
