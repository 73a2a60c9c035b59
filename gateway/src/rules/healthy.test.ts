import { describe, expect, it } from "vitest";
import { at, raised, runSynth } from "./testing/run";
import { synthFarm } from "./testing/synth";

describe("a healthy farm over 60 simulated days", () => {
  const out = runSynth(synthFarm({ seed: 7, days: 60 }));

  it("raises no warn or critical alert, and no info alert but the milestones (harmless, maturity candidate)", () => {
    const bad = out.transitions.filter((t) => t.to === "raised" && t.severity !== "info");
    expect(bad.map((t) => `${t.rule} ${t.subject} ${t.t}`)).toEqual([]);
    const info = raised(out, "C1").concat(raised(out, "C11"));
    expect(out.transitions.filter((t) => t.to === "raised").map((t) => t.rule).sort()).toEqual(info.map((t) => t.rule).sort());
  });

  it("meets the GB/T 36195 clock (≥ 50 °C for 7 d on the coolest probe) around day 10 and flags maturity after cooling", () => {
    const c1 = raised(out, "C1");
    expect(c1).toHaveLength(1);
    expect(c1[0]!.t).toBeGreaterThan(at(9.4));
    expect(c1[0]!.t).toBeLessThan(at(11));
    const c11 = raised(out, "C11");
    expect(c11).toHaveLength(1);
    expect(c11[0]!.t).toBeGreaterThan(at(35));
    expect(c11[0]!.t).toBeLessThan(at(41));
    // Both close when the pile is released (day 45).
    expect(out.transitions.filter((t) => t.to === "cleared" && t.subject === "pile:pile1").every((t) => t.t === at(45, 10))).toBe(true);
  });

  it("keeps a ledger: one load from pit1 and one unload to field1 per day, about 10 t each", () => {
    const loads = out.ledger.filter((l) => l.kind === "load");
    const unloads = out.ledger.filter((l) => l.kind === "unload");
    expect(loads).toHaveLength(59);
    expect(unloads).toHaveLength(59);
    for (const l of loads) {
      expect(l.site).toBe("pit1");
      expect(Math.abs(l.tonnes - 10)).toBeLessThan(0.1);
    }
    for (const u of unloads) {
      expect(u.site).toBe("field1");
      expect(u.lat).toBeCloseTo(45.01, 2);
      expect(Math.abs(u.tonnes - 10)).toBeLessThan(0.1);
    }
  });

  it("infers the two unlogged turnings from the curve and outputs them as events", () => {
    expect(out.events).toHaveLength(2);
    const expected = [at(8, 10), at(16, 10)];
    out.events.forEach((e, i) => expect(Math.abs(e.t - expected[i]!)).toBeLessThan(3_600_000));
    expect(out.events.every((e) => e.kind === "turning" && e.facility === "pile1")).toBe(true);
  });

  it("shows state for the panel", () => {
    const s = out.engine.state();
    expect(s.stores[0]!.freeboardM).toBeGreaterThan(1);
    expect(s.stores[0]!.daysToFull).toBeGreaterThan(30);
    expect(s.stores[0]!.threeProofing).toEqual({ overflow: "ok", seepage: "ok", rain: "ok" });
    expect(Math.abs(s.stores[0]!.seepage!.residualMmD)).toBeLessThan(2.5);
    expect(s.piles[0]!.harmlessness[0]).toMatchObject({ preset: "GB/T 36195", thresholdC: 50, requiredDays: 7 });
    expect(s.tankers[0]!.fields[0]!.tPerMu).toBeGreaterThan(0.5);
    expect(s.counters.late).toBe(0);
    expect(s.audit[0]!.ok).toBe(true);
  });
});
