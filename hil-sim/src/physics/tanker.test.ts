import { describe, expect, it } from "vitest";
import { distanceM } from "./geo";
import { farmOf, runFarm } from "./test-helpers";

const HOUR = 3_600_000;
const PIT = { lat: 41.6, lon: 120.75 };
// A field ~2 km north-east of the pit, 30 mu of maize.
const FIELD = { id: "field-1", crop: "maize", areaMu: 30, center: { lat: 41.615, lon: 120.765 } };

function setup(extra: object = {}) {
  return farmOf({
    stores: [{ id: "pit-1", areaM2: 100, lipDepthM: 3, initialLevelM: 2, covered: true, lat: PIT.lat, lon: PIT.lon }],
    fields: [FIELD],
    tankers: [{ id: "tanker-1", capacityM3: 10, home: PIT, pumpRateM3PerH: 60, dischargeRateM3PerH: 30, speedKmh: 20, ...extra }],
  });
}

describe("Tanker", () => {
  it("fills from the pit (the pit's level falls by the same volume), drives, discharges on the field, returns", () => {
    const farm = setup();
    const tanker = farm.tanker("tanker-1");
    const pit = farm.store("pit-1");
    tanker.requestTrip({ store: pit, volumeM3: 8, route: [FIELD.center], destination: "field-1" });
    const states = new Set<string>();
    let maxLoad = 0;
    runFarm(farm, 3 * HOUR, 10_000, () => {
      states.add(tanker.status);
      maxLoad = Math.max(maxLoad, tanker.quantity("load"));
    });
    expect([...states]).toEqual(["filling", "outbound", "discharging", "returning", "parked"]);
    expect(pit.quantity("volume")).toBeCloseTo(200 - 8, 9);
    expect(maxLoad).toBeCloseTo(8 * 1.02, 9);
    expect(tanker.discharges).toHaveLength(1);
    expect(tanker.discharges[0].field).toBe("field-1");
    expect(tanker.discharges[0].tonnes).toBeCloseTo(8.16, 9);
    expect(tanker.quantity("trips")).toBe(1);
    expect(tanker.quantity("lat")).toBeCloseTo(PIT.lat, 9);
    const km = (2 * distanceM(PIT, FIELD.center)) / 1000;
    expect(tanker.quantity("odometer")).toBeCloseTo(km, 6);
  });

  it("a discharge at a roadside point off any field is recorded with field null", () => {
    const farm = setup();
    const roadside = { lat: 41.607, lon: 120.758 };
    farm.tanker("tanker-1").requestTrip({ store: farm.store("pit-1"), volumeM3: 5, route: [roadside], destination: "ELSEWHERE" });
    runFarm(farm, 2 * HOUR, 10_000);
    const d = farm.tanker("tanker-1").discharges;
    expect(d).toHaveLength(1);
    expect(d[0].field).toBeNull();
    expect(d[0].destination).toBe("ELSEWHERE");
  });

  it("the load cells slosh only while driving; GPS loses its fix in a no-fix zone", () => {
    const mid = { lat: 41.6075, lon: 120.7575, radiusM: 150 };
    const farm = setup({ noFixZones: [mid] });
    const tanker = farm.tanker("tanker-1");
    tanker.requestTrip({ store: farm.store("pit-1"), volumeM3: 10, route: [FIELD.center], destination: "field-1" });
    let maxDevDriving = 0;
    let maxDevStill = 0;
    let lostFix = 0;
    runFarm(farm, 90 * 60_000, 5_000, () => {
      const dev = Math.abs(tanker.quantity("weight") - tanker.quantity("load"));
      if (tanker.status === "outbound") maxDevDriving = Math.max(maxDevDriving, dev);
      else maxDevStill = Math.max(maxDevStill, dev);
      if (tanker.quantity("gpsFix") === 0) lostFix++;
    });
    expect(maxDevDriving).toBeGreaterThan(0.05);
    expect(maxDevDriving).toBeLessThan(10.2 * 0.2);
    expect(maxDevStill).toBe(0);
    expect(lostFix).toBeGreaterThan(0);
  });

  it("a pit with too little slurry gives a short load", () => {
    const farm = setup();
    farm.store("pit-1").withdraw(197);
    farm.tanker("tanker-1").requestTrip({ store: farm.store("pit-1"), volumeM3: 10, route: [FIELD.center], destination: "field-1" });
    runFarm(farm, 3 * HOUR, 10_000);
    expect(farm.tanker("tanker-1").discharges[0].tonnes).toBeCloseTo(3 * 1.02, 9);
    expect(farm.quantity("pit-1", "volume")).toBe(0);
  });
});

describe("FarmPhysics", () => {
  it("each model has its own random stream: adding a tanker and a pile does not change the weather or a pit", () => {
    const pit = { id: "pit-1", areaM2: 100, lipDepthM: 3, initialLevelM: 1 };
    const a = farmOf({ stores: [pit] }, 7);
    const b = farmOf({ stores: [pit], piles: [{ id: "pile-9" }], tankers: [{ id: "t-9", capacityM3: 5, home: PIT }] }, 7);
    const c = farmOf({ stores: [pit] }, 8);
    runFarm(a, 5 * 86_400_000, 300_000);
    runFarm(b, 5 * 86_400_000, 300_000);
    runFarm(c, 5 * 86_400_000, 300_000);
    expect(b.quantity("pit-1", "level")).toBe(a.quantity("pit-1", "level"));
    expect(b.quantity("weather", "temperature")).toBe(a.quantity("weather", "temperature"));
    expect(c.quantity("weather", "temperature")).not.toBe(a.quantity("weather", "temperature"));
    expect(b.subjects()).toEqual(["weather", "pit-1", "pile-9", "t-9"]);
    expect(() => b.quantity("pit-2", "level")).toThrow(/no physics subject "pit-2"/);
  });
});
