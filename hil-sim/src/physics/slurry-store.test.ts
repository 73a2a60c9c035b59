import { describe, expect, it } from "vitest";
import { pigEquivalents } from "./herd";
import { cst, farmOf, runFarm } from "./test-helpers";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const base = { id: "pit-1", areaM2: 200, lipDepthM: 3, initialLevelM: 1 };

describe("pig-equivalents", () => {
  it("100 pigs = 15 dairy cows = 30 beef = 250 sheep = 2500 poultry", () => {
    for (const herd of [{ pigs: 100 }, { dairyCows: 15 }, { beefCattle: 30 }, { sheep: 250 }, { poultry: 2500 }])
      expect(pigEquivalents(herd)).toBeCloseTo(100, 9);
    expect(pigEquivalents({ pigs: 500, dairyCows: 30 })).toBeCloseTo(700, 9);
  });
});

describe("SlurryStore", () => {
  it("a covered store gains exactly the herd's wastewater, at day-time hours only", () => {
    const farm = farmOf({ stores: [{ ...base, covered: true, herd: { pigs: 1000 }, litresPerPigEqDay: 10 }] });
    const pit = farm.store("pit-1");
    let nightInflow = 0;
    runFarm(farm, 10 * DAY, 60_000, (t) => {
      const h = new Date(t + 8 * HOUR - 1).getUTCHours();
      if (h < 5 || h >= 22) nightInflow += pit.quantity("inflowRate");
    });
    // 1000 pigs × 10 L × 10 days = 100 m³ on 200 m²: 0.5 m, whatever rained (covered).
    expect(pit.quantity("inflowTotal")).toBeCloseTo(100, 6);
    expect(pit.quantity("level")).toBeCloseTo(1.5, 6);
    expect(pit.quantity("rainTotal")).toBe(0);
    expect(nightInflow).toBe(0);
  });

  it("an open store takes rain on its surface and catchment, and loses evaporation", () => {
    const farm = farmOf({ stores: [{ ...base, catchmentM2: 300, runoffCoeff: 0.5 }] });
    farm.weather.storm(farm.t + HOUR, 4 * HOUR, 50);
    runFarm(farm, 2 * DAY);
    const pit = farm.store("pit-1");
    const rainMm = farm.quantity("weather", "rainTotal");
    expect(rainMm).toBeGreaterThanOrEqual(50);
    expect(pit.quantity("rainTotal")).toBeCloseTo((rainMm / 1000) * (200 + 300 * 0.5), 6);
    expect(pit.quantity("evaporatedTotal")).toBeGreaterThan(0);
    const balance = 200 * 1 + pit.quantity("rainTotal") - pit.quantity("evaporatedTotal");
    expect(pit.quantity("volume")).toBeCloseTo(balance, 6);
  });

  it("a covered store keeps the rain out until its cover breaks", () => {
    const farm = farmOf({ stores: [{ ...base, covered: true, catchmentM2: 100 }] });
    const pit = farm.store("pit-1");
    farm.weather.storm(farm.t + HOUR, 2 * HOUR, 30);
    runFarm(farm, 6 * HOUR);
    expect(pit.quantity("rainTotal")).toBe(0);
    pit.breakCover();
    expect(pit.quantity("covered")).toBe(0);
    const before = farm.quantity("weather", "rainTotal");
    farm.weather.storm(farm.t + HOUR, 2 * HOUR, 30);
    runFarm(farm, 6 * HOUR);
    const rained = farm.quantity("weather", "rainTotal") - before;
    expect(pit.quantity("rainTotal")).toBeCloseTo((rained / 1000) * (200 + 100 * 0.8), 6);
  });

  it("a 3 mm/d leak lowers a quiet covered store 3 mm a day", () => {
    const farm = farmOf({ stores: [{ ...base, covered: true, leakMmPerDay: 3 }] });
    runFarm(farm, 5 * DAY);
    expect(farm.quantity("pit-1", "level")).toBeCloseTo(1 - 0.015, 9);
    expect(farm.quantity("pit-1", "leakedTotal")).toBeCloseTo(0.015 * 200, 9);
  });

  it("sensor quantities: distance from a top-mounted sensor and hydrostatic pressure at the bottom", () => {
    const farm = farmOf({ stores: [{ ...base, initialLevelM: 1.2, sensorMountM: 3.5, densityTPerM3: 1.02 }] });
    expect(farm.quantity("pit-1", "distance")).toBeCloseTo(2.3, 9);
    expect(farm.quantity("pit-1", "pressure")).toBeCloseTo(1.02 * 9.80665 * 1.2, 9); // kPa
    expect(farm.quantity("pit-1", "freeboard")).toBeCloseTo(1.8, 9);
  });

  it("overflows at the lip: the level stays at the lip and the spilled volume is recorded", () => {
    const farm = farmOf({ stores: [{ ...base, initialLevelM: 2.95, covered: true, herd: { pigs: 2000 } }] });
    runFarm(farm, 3 * DAY);
    const pit = farm.store("pit-1");
    expect(pit.quantity("level")).toBeCloseTo(3, 9);
    // 3 days × 20 m³ in, 10 m³ of room.
    expect(pit.quantity("spilledTotal")).toBeCloseTo(60 - 10, 6);
  });

  it("pump-outs and withdrawals take what is there, never below empty", () => {
    const farm = farmOf({ stores: [{ ...base, initialLevelM: 0.1, covered: true }] });
    const pit = farm.store("pit-1");
    expect(pit.withdraw(5)).toBe(5);
    pit.pumpOut(100, 30);
    runFarm(farm, 2 * HOUR);
    expect(pit.quantity("volume")).toBe(0);
    expect(pit.quantity("pumpedTotal")).toBeCloseTo(20, 9);
  });

  it("refuses impossible geometry with the store's id", () => {
    expect(() => farmOf({ stores: [{ ...base, areaM2: 0 }] })).toThrow(/pit-1: areaM2/);
    expect(() => farmOf({ stores: [{ ...base, initialLevelM: 4 }] })).toThrow(/pit-1: initialLevelM/);
    expect(() => farmOf({ stores: [{ ...base, inflowPattern: [1, 2] }] })).toThrow(/24 shares/);
    expect(() => farmOf({ stores: [base, base] })).toThrow(/duplicate subject id "pit-1"/);
    expect(() => farmOf({ stores: [base] }).quantity("pit-1", "colour")).toThrow(/no quantity "colour"/);
  });

  it("the start date is respected (cst helper sanity)", () => {
    expect(new Date(cst(2025, 6, 1) + 8 * HOUR).toISOString()).toBe("2025-06-01T00:00:00.000Z");
  });
});
