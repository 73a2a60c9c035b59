import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeAudit, capacityAudit } from "./capacity";
import { facilitiesSchema, freeboardMin, parseFacilities, rainRatio, validateFacilities } from "./config";

const store = {
  id: "pit1", type: "earth-lagoon", covered: false, surfaceM2: 500, depthToLipM: 3,
  mounting: { kind: "distance-above", mountHeight: 0.6 }, levelSensor: "pit1.lvl", catchmentM2: 250,
};

describe("facilities configuration", () => {
  it("fills the defaults of domain-rules.md", () => {
    const c = parseFacilities({
      stores: [store, { ...store, id: "tank", type: "concrete", covered: true, levelSensor: "tank.lvl", catchmentM2: 0 }],
      piles: [{ id: "w1", kind: "windrow", probes: [{ sensor: "w1.t1", position: "core" }] }],
    });
    expect(c.utcOffsetMin).toBe(480);
    expect(c.alerts.clearHoldMin).toBe(60);
    expect(c.health).toMatchObject({ staleIntervals: 3, stuckH: 6, errorRatePct: 20 });
    const [lagoon, tank] = c.stores;
    expect(freeboardMin(lagoon!)).toBe(0.75);
    expect(freeboardMin(tank!)).toBe(0.3);
    expect(lagoon).toMatchObject({ density: 1.02, rainMmPerCount: 1, requiredStorageDays: 180 });
    expect(lagoon!.thresholds).toMatchObject({ overflowWithinM: 0.1, daysToFullMin: 30, seepageWarnMmD: 3, seepageCritMmD: 6, seepageNights: 3, reconcilePct: 10, runoffFactor: 1.2 });
    expect(rainRatio(lagoon!)).toBe(1.5);
    expect(rainRatio(tank!)).toBe(0);
    expect(c.piles[0]).toMatchObject({ preset: "gbt36195", thresholds: { dipToleranceH: 4, overheatC: 65, severeOverheatC: 70, failedStartDays: 5, maturityAboveAmbientC: 8 } });
  });

  it("lets a facility override any threshold", () => {
    const c = parseFacilities({ stores: [{ ...store, thresholds: { freeboardMinM: 0.9, seepageWarnMmD: 2 } }] });
    expect(freeboardMin(c.stores[0]!)).toBe(0.9);
    expect(c.stores[0]!.thresholds.seepageWarnMmD).toBe(2);
    expect(c.stores[0]!.thresholds.seepageCritMmD).toBe(6);
  });

  it("is idempotent, so the gateway can embed the schema and store the parsed result", () => {
    const c = parseFacilities({ stores: [store] });
    expect(facilitiesSchema.parse(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it("names each bad field in its errors", () => {
    const r = validateFacilities({
      stores: [{ ...store, levelSensor: undefined, surfaceM2: -1 }, { ...store, levelSensor: "x" }],
      tankers: [{ id: "tk", weightSensor: "pit1.lvl", capacityT: 10, homePit: "nowhere", fields: [{ id: "f", areaMu: 3, crop: "dry" }] }],
      piles: [{ id: "w", kind: "windrow", probes: [], preset: "gbt9999" }],
    });
    expect(r.ok).toBe(false);
    const msgs = r.errors.map((e) => `${e.path}: ${e.message}`).join("\n");
    expect(msgs).toMatch(/stores\.0\.levelSensor/);
    expect(msgs).toMatch(/stores\.0\.surfaceM2/);
    expect(msgs).toMatch(/tankers\.0\.fields\.0.*polygon or a centre/);
    expect(msgs).toMatch(/piles\.0\.probes/);
    expect(msgs).toMatch(/piles\.0\.preset/);
    expect(validateFacilities({ piles: [{ id: "w", kind: "windrow", probes: [{ sensor: "a", position: "core" }], built: "yesterday" }] }).errors[0])
      .toMatchObject({ path: "piles.0.built", message: expect.stringMatching(/not a date/) });
    expect(() => parseFacilities({ stores: [store, store] })).toThrow(/duplicate facility id "pit1"/);
    expect(() => parseFacilities({ stores: [store], tankers: [{ id: "tk", weightSensor: "w", capacityT: 10, homePit: "nowhere" }] })).toThrow(/tankers\.0\.homePit: unknown store "nowhere"/);
    expect(() => parseFacilities({ stores: [store], tankers: [{ id: "tk", weightSensor: "pit1.lvl", capacityT: 10 }] })).toThrow(/used by both store pit1 and tanker tk/);
  });

  it("runs the L10 capacity audit and describes it in one line", () => {
    const c = parseFacilities({ stores: [{ ...store, herdPigEquivalents: 1000 }] });
    const [a] = capacityAudit(c);
    // 500 × (3 − 0.75) = 1125 m³ < 1000 × 0.012 × 180 = 2160 m³ + 750 m² × 0.1 m = 75 m³.
    expect(a).toMatchObject({ ok: false, params: { designM3: 1125, inflowM3: 2160, rainM3: 75 } });
    expect(describeAudit(a!)).toBe("store pit1: L10 capacity TOO SMALL: design 1125 m³ (to the freeboard minimum) vs required 2235 m³ = inflow 2160 m³ over 180 d + rain 75 m³");
  });

  it("accepts the example in docs/rules.md", () => {
    const md = readFileSync(new URL("../../../docs/rules.md", import.meta.url), "utf8");
    const json = /```json\n([\s\S]*?)```/.exec(md)?.[1];
    expect(json).toBeDefined();
    const c = parseFacilities(JSON.parse(json!));
    expect(c.stores[0]!.thresholds.freeboardMinM).toBe(0.9);
    expect(c.piles[0]!.preset).toBe("gb7959-mechanical");
    expect(c.tankers[0]!.fields).toHaveLength(2);
  });
});
