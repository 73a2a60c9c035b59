import { describe, expect, it } from "vitest";
import { at, raised, runSynth } from "../testing/run";
import { synthFarm, type TankerFaults } from "../testing/synth";
import { MIN } from "../util/time";
import { fieldAt } from "./fields";

const within = (t: number | undefined, from: number, to: number) => {
  expect(t).toBeDefined();
  expect(t!).toBeGreaterThanOrEqual(from);
  expect(t!).toBeLessThanOrEqual(to);
};
const tankerRun = (seed: number, days: number, tanker: TankerFaults) => runSynth(synthFarm({ seed, days, store: {}, pile: false, tanker }));

describe("tanker rules (vehicle-mounted weighing)", () => {
  const healthy = tankerRun(31, 6, {});

  it("T1: one load at the pit and one unload in the field per trip, on stable windows (sloshing makes no steps)", () => {
    const loads = healthy.ledger.filter((l) => l.kind === "load");
    const unloads = healthy.ledger.filter((l) => l.kind === "unload");
    expect(loads).toHaveLength(5);
    expect(unloads).toHaveLength(5);
    loads.forEach((l, i) => {
      within(l.t, at(i + 1, 9) + 9 * MIN, at(i + 1, 9) + 12 * MIN);
      expect(l).toMatchObject({ facility: "tk1", site: "pit1", data: { from: "pit1", to: null } });
      expect(l.tonnes).toBeCloseTo(10, 1);
    });
    unloads.forEach((u, i) => {
      within(u.t, at(i + 1, 9) + 59 * MIN, at(i + 1, 9) + 62 * MIN);
      expect(u).toMatchObject({ site: "field1", data: { to: "field1", season: "2026-early" } });
      expect(u.tonnes).toBeCloseTo(10, 1);
    });
    const panel = healthy.engine.state().tankers[0]!;
    expect(panel.fields[0]).toMatchObject({ id: "field1", appliedT: expect.closeTo(50, 0) });
    expect(raised(healthy, "T2")).toEqual([]);
    expect(raised(healthy, "T4")).toEqual([]);
  });

  it("T2: discharging on the road (outside every registered field) is critical, with the position; the ledger splits the load", () => {
    const out = tankerRun(32, 4, { roadDischargeDay: 2 });
    const t2 = raised(out, "T2");
    expect(t2).toHaveLength(1);
    within(t2[0]!.t, at(2, 9) + 25 * MIN, at(2, 9) + 35 * MIN);
    expect(t2[0]).toMatchObject({ severity: "critical", messageId: "rules.tanker.dischargeOffField", params: { lat: 45.005 } });
    const trip = out.ledger.filter((l) => l.kind === "unload" && l.t > at(2) && l.t < at(3));
    expect(trip.map((l) => l.site).sort()).toEqual(["field1", null].sort());
    expect(trip.find((l) => l.site === null)!.tonnes).toBeGreaterThan(3);
    expect(trip.find((l) => l.site === null)!.tonnes).toBeLessThan(5);
    expect(trip.reduce((a, l) => a + l.tonnes, 0)).toBeCloseTo(10, 1);
  });

  it("T1/T2 ignore sloshing: 3 % AR(1) wobble of the load while driving (hil-sim's model): no T2, one load and one unload per trip over 30 days", () => {
    // Without the hold (a discharge stays down, sloshing comes back) every one of these seeds
    // raised T2 several times on the way to the field.
    for (const seed of [1, 4, 6]) {
      const out = tankerRun(seed, 30, { sloshPct: 3 });
      expect(raised(out, "T2"), `seed ${seed}`).toEqual([]);
      // T1 too: one load at the pit and one unload on the field per trip (29), ~10 t each; the
      // sloshing peak makes no extra load, the wobble on the road no unload off site.
      const loads = out.ledger.filter((l) => l.kind === "load");
      const unloads = out.ledger.filter((l) => l.kind === "unload");
      expect(loads.length, `seed ${seed}`).toBe(29);
      expect(unloads.length, `seed ${seed}`).toBe(29);
      for (const l of out.ledger) expect(l.tonnes).toBeCloseTo(10, 0);
      expect(unloads.every((u) => u.site === "field1")).toBe(true);
    }
  });

  it("T2 with sloshing: the roadside discharge still raises, once, within minutes of the valve opening", () => {
    const out = tankerRun(32, 4, { roadDischargeDay: 2, sloshPct: 3 });
    const t2 = raised(out, "T2");
    expect(t2).toHaveLength(1);
    within(t2[0]!.t, at(2, 9) + 25 * MIN, at(2, 9) + 36 * MIN);
  });

  it("T2: pumping the load back into a store with a configured position is not a discharge off site", () => {
    const at_pit = runSynth(synthFarm({ seed: 35, days: 3, store: {}, pile: false, tanker: { returnToPitDay: 1 } }), {
      config: (c) => void (c.stores![0]!.position = [45.0, 124.0]),
    });
    expect(raised(at_pit, "T2")).toEqual([]);
    const back = at_pit.ledger.filter((l) => l.kind === "unload" && l.t < at(2));
    expect(back.map((l) => [l.site, Math.round(l.tonnes)])).toEqual([["pit1", 10]]);
    // Without the store's position the same thing is a discharge away from any field.
    const unknown = runSynth(synthFarm({ seed: 35, days: 3, store: {}, pile: false, tanker: { returnToPitDay: 1 } }));
    within(raised(unknown, "T2")[0]?.t, at(1, 9) + 15 * MIN, at(1, 9) + 25 * MIN);
  });

  it("T2 needs a position: without GNSS the rule cannot judge (no alert) and the unload has no site", () => {
    const out = tankerRun(33, 4, { roadDischargeDay: 2, noPosition: true });
    expect(raised(out, "T2")).toEqual([]);
    expect(out.ledger.filter((l) => l.kind === "unload").every((l) => l.site === null)).toBe(true);
  });

  it("T4: tonnes per mu per field per season over the cap (dry land 3 t/mu), cleared when the season ends", () => {
    const out = tankerRun(34, 32, { areaMu: 50 });
    const t4 = raised(out, "T4");
    expect(t4).toHaveLength(1);
    // 10 t a day on 50 mu: 3.2 t/mu after the 16th unload (day 16).
    within(t4[0]!.t, at(16, 9), at(16, 11));
    expect(t4[0]).toMatchObject({ subject: "field:field1:2026-early", severity: "warn", params: { capTPerMu: 3, crop: "dry" } });
    const cleared = out.transitions.find((t) => t.rule === "T4" && t.to === "cleared");
    within(cleared?.t, at(30), at(30, 2));
  });

  it("finds fields by polygon and by centre and radius", () => {
    const fields = [
      { id: "a", polygon: [[0, 0], [0, 1], [1, 1], [1, 0]] as [number, number][], areaMu: 1, crop: "dry" as const, seasons: [] },
      { id: "b", centre: [10, 10] as [number, number], radiusM: 100, areaMu: 1, crop: "paddy" as const, seasons: [] },
    ];
    expect(fieldAt(fields, 0.5, 0.5)?.id).toBe("a");
    expect(fieldAt(fields, 1.5, 0.5)).toBeNull();
    expect(fieldAt(fields, 10.0005, 10)?.id).toBe("b");
    expect(fieldAt(fields, 10.002, 10)).toBeNull();
  });
});
