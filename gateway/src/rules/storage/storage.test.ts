import { describe, expect, it } from "vitest";
import { capacityAudit } from "../capacity";
import { parseFacilities } from "../config";
import { at, raised, runSynth } from "../testing/run";
import { synthFarm, type StoreFaults } from "../testing/synth";
import type { RuleReading } from "../types";
import { MIN } from "../util/time";

const within = (t: number | undefined, from: number, to: number) => {
  expect(t).toBeDefined();
  expect(t!).toBeGreaterThanOrEqual(from);
  expect(t!).toBeLessThanOrEqual(to);
};
const storeRun = (seed: number, days: number, store: StoreFaults, tanker = true) =>
  runSynth(synthFarm({ seed, days, store, pile: false, tanker: tanker ? {} : false }));

/** First time the freeboard, smoothed over ±5 readings (noise-free enough), is below `thr`. */
function crossing(readings: RuleReading[], thr: number, mount = 0.5): number {
  const lv = readings.filter((r) => r.sensor === "pit1.lvl" && r.v !== null);
  for (let i = 5; i < lv.length - 5; i++) {
    let s = 0;
    for (let j = i - 5; j <= i + 5; j++) s += (lv[j]!.v as number) - mount;
    if (s / 11 < thr) return lv[i]!.t;
  }
  throw new Error("never crossed");
}

describe("liquid storage rules (three-proofing)", () => {
  const healthy = storeRun(21, 20, {});

  it("healthy counterpart: no L1–L9 on a normal open store with daily tanker loads", () => {
    for (const r of ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9"]) expect(raised(healthy, r)).toEqual([]);
    const st = healthy.engine.state().stores[0]!;
    expect(st.netInflowMmD).toBeGreaterThan(20);
    expect(st.netInflowMmD).toBeLessThan(32);
    expect(st.reconciliations.length).toBeGreaterThan(0);
  });

  describe("a store filling up (防溢流)", () => {
    const s = synthFarm({ seed: 22, days: 4.6, store: { startLevelM: 2.55, inflowFactor: 3 }, pile: false, tanker: false });
    const out = runSynth(s);
    it("L2 rain-adjusted freeboard (0.30 + 0.10 m storm) is raised when the freeboard passes 0.40 m", () => {
      const l2 = raised(out, "L2");
      expect(l2).toHaveLength(1);
      within(l2[0]!.t, crossing(s.readings, 0.4) - 10 * MIN, crossing(s.readings, 0.4) + 10 * MIN);
      expect(l2[0]!.severity).toBe("warn");
    });
    it("L1 freeboard minimum for a concrete tank (0.30 m) is critical", () => {
      const l1 = raised(out, "L1");
      expect(l1).toHaveLength(1);
      within(l1[0]!.t, crossing(s.readings, 0.3) - 10 * MIN, crossing(s.readings, 0.3) + 10 * MIN);
      expect(l1[0]).toMatchObject({ severity: "critical", messageId: "rules.storage.freeboardLow", params: { minM: 0.3 } });
    });
    it("L3 overflow imminent: within 0.10 m of the lip and rising", () => {
      const l3 = raised(out, "L3");
      expect(l3.length).toBeGreaterThanOrEqual(1);
      within(l3[0]!.t, crossing(s.readings, 0.1) - 10 * MIN, crossing(s.readings, 0.1) + 30 * MIN);
    });
    it("L4 days to full < 30 once three 24-h periods (each at least half covered) give a robust inflow rate", () => {
      const l4 = raised(out, "L4");
      expect(l4).toHaveLength(1);
      within(l4[0]!.t, at(2.5), at(2.5, 1));
      expect(l4[0]!.params.days as number).toBeLessThan(5);
    });
  });

  it("L4 full before the next planned emptying (healthy rate, emptying planned too late)", () => {
    const out = runSynth(synthFarm({ seed: 23, days: 5, store: {}, pile: false }), {
      config: (c) => void (c.stores![0]!.plannedEmptying = ["2026-10-01"]),
    });
    const l4 = raised(out, "L4");
    expect(l4).toHaveLength(1);
    expect(l4[0]!.messageId).toBe("rules.storage.fullBeforeEmptying");
    within(l4[0]!.t, at(2.5), at(2.5, 1));
    const early = runSynth(synthFarm({ seed: 23, days: 5, store: {}, pile: false }), {
      config: (c) => void (c.stores![0]!.plannedEmptying = ["2026-07-10"]),
    });
    expect(raised(early, "L4")).toEqual([]);
  });

  it("L5 seepage (防渗): a 5 mm/d leak is a warning after three quiet nights, 9 mm/d is critical", () => {
    const warn = storeRun(24, 6, { leakMmD: 5 });
    const l5 = raised(warn, "L5");
    expect(l5).toHaveLength(1);
    // Nights are 22:00–05:00 local; the third quiet night ends at 05:00 on day 3.
    expect(l5[0]!.t).toBe(at(3, 5));
    expect(l5[0]).toMatchObject({ severity: "warn" });
    expect(l5[0]!.params.mmPerDay as number).toBeGreaterThan(3.5);
    expect(l5[0]!.params.mmPerDay as number).toBeLessThan(6.5);
    const crit = storeRun(24, 6, { leakMmD: 9 });
    expect(raised(crit, "L5")[0]).toMatchObject({ severity: "critical", t: at(3, 5) });
    expect(raised(storeRun(24, 6, {}), "L5")).toEqual([]);
  });

  it("L5: the issue's 3 mm/d leak raises on this store (night evaporation 2 mm/d against an allowance of 2.2 mm/d at ~16 °C)", () => {
    const out = storeRun(29, 6, { leakMmD: 3 });
    const l5 = raised(out, "L5");
    expect(l5).toHaveLength(1);
    expect(l5[0]).toMatchObject({ severity: "warn", t: at(3, 5) });
    expect(out.engine.state().stores[0]!.seepageNights.at(-1)!.evapMmD).toBe(2.2);
  });

  it("L6 unexplained drop: 0.10 m in an hour with nothing recorded is critical; a logged pump-out is not", () => {
    const out = storeRun(25, 7, { dump: { day: 5, hour: 14, m: 0.1 } });
    const l6 = raised(out, "L6");
    expect(l6).toHaveLength(1);
    within(l6[0]!.t, at(5, 14) + 30 * MIN, at(5, 16));
    expect(l6[0]!.severity).toBe("critical");
    const logged = storeRun(25, 7, { pumpOut: { day: 5, hour: 14, m: 0.3 } });
    expect(raised(logged, "L6")).toEqual([]);
  });

  it("L7 / T3 reconciliation: a tanker weighing 80 % of what left the pit", () => {
    const out = runSynth(synthFarm({ seed: 26, days: 3, store: {}, pile: false, tanker: { weighFactor: 0.8 } }));
    const l7 = raised(out, "L7");
    expect(l7).toHaveLength(1);
    within(l7[0]!.t, at(1, 9), at(1, 11));
    expect(l7[0]!.params.diffPct as number).toBeGreaterThan(15);
  });

  it("L8 rain ingress into a covered store with a broken cover (防雨); intact cover stays quiet", () => {
    const rains = [{ day: 5, hour: 11, hours: 3, mm: 30 }];
    const broken = storeRun(27, 7, { covered: true, coverBroken: true, rains });
    const l8 = raised(broken, "L8");
    expect(l8).toHaveLength(1);
    within(l8[0]!.t, at(5, 11), at(5, 14));
    expect(raised(storeRun(27, 7, { covered: true, rains }), "L8")).toEqual([]);
  });

  it("L9 runoff into an open store in a summer storm (雨污分流): undeclared catchment doubles the rise", () => {
    const rains = [{ day: 5, hour: 11, hours: 3, mm: 40 }];
    const out = storeRun(28, 7, { undeclaredCatchmentM2: 400, rains });
    const l9 = raised(out, "L9");
    expect(l9).toHaveLength(1);
    within(l9[0]!.t, at(5, 11), at(5, 14) + 30 * MIN);
    expect(l9[0]!.params.rainMm as number).toBeGreaterThan(10);
    expect(raised(storeRun(28, 7, { rains }), "L9")).toEqual([]);
  });
});

describe("L10 capacity audit at configuration load", () => {
  const store = (herd: number, days: number) => parseFacilities({
    stores: [{ id: "lagoon", type: "earth-lagoon", covered: false, surfaceM2: 1000, depthToLipM: 3, mounting: { kind: "distance-above", mountHeight: 1 },
      levelSensor: "l.d", herdPigEquivalents: herd, requiredStorageDays: days }],
  });

  it("reports a store too small for its herd, with the numbers", () => {
    // Design 1000 m² × (3 − 0.75) = 2250 m³; 2000 PE × 0.012 × 180 d = 4320 m³ + rain 100 m³.
    const [a] = capacityAudit(store(2000, 180));
    expect(a).toMatchObject({ store: "lagoon", ok: false, rule: "L10", messageId: "rules.config.capacityShort" });
    expect(a!.params).toMatchObject({ designM3: 2250, inflowM3: 4320, rainM3: 100, requiredM3: 4420 });
  });

  it("passes a store that holds the inflow, and says when it cannot audit (no herd)", () => {
    expect(capacityAudit(store(500, 180))[0]).toMatchObject({ ok: true, messageId: "rules.config.capacityOk" });
    expect(capacityAudit(store(0, 180))[0]).toMatchObject({ ok: true, messageId: "rules.config.capacityNotAudited" });
  });
});

