import { describe, expect, it } from "vitest";
import { listScenarios, loadScenario } from "./load";
import { validateScenario } from "./validate";

// Fixtures are mutated as untyped JSON, the way a hand-edited file goes wrong.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const minimal = (): J => ({
  name: "t",
  start: "2026-06-01T00:00:00+08:00",
  duration: "P2D",
  climate: "ne-china-semiarid",
  farm: {
    id: "demo",
    nodes: [{ id: "pit-1", devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 60, subject: "pit-1" }] }],
    stores: [{ id: "pit-1", areaM2: 100, lipDepthM: 3, initialLevelM: 1 }],
    piles: [{ id: "pile-1" }],
  },
  events: [{ at: "P1D", type: "turn", pile: "pile-1" }],
  expect: [{ noOverflow: "pit-1" }],
});

function errorsOf(mutate: (s: J) => void) {
  const s = minimal();
  mutate(s);
  const v = validateScenario(s);
  return v.ok ? [] : v.errors;
}

describe("validateScenario", () => {
  it("accepts a minimal scenario and every shipped one", () => {
    expect(validateScenario(minimal()).ok).toBe(true);
    const names = listScenarios();
    expect(names.length).toBeGreaterThanOrEqual(13);
    for (const n of names) expect(() => loadScenario(n)).not.toThrow();
  });

  it.each([
    ["bad duration", (s: J) => (s.duration = "3 days"), "duration", /ISO 8601/],
    ["month duration", (s: J) => (s.duration = "P1M"), "duration", /months/],
    ["start without offset", (s: J) => (s.start = "2026-06-01T00:00:00"), "start", /offset/],
    ["trace not a multiple of step", (s: J) => ((s.step = "PT7M"), (s.trace = "PT10M")), "trace", /multiple of the physics step/],
    ["step too long", (s: J) => (s.step = "PT2H"), "step", /between PT1S and PT1H/],
    ["unknown climate", (s: J) => (s.climate = "sahara"), "climate", /unknown climate/],
    ["negative area", (s: J) => (s.farm.stores[0].areaM2 = -1), "farm.stores[0].areaM2", /≥/],
    ["level above lip", (s: J) => (s.farm.stores[0].initialLevelM = 5), "farm.stores[0].initialLevelM", /lipDepthM/],
    ["unknown species", (s: J) => (s.farm.stores[0].herd = { goats: 5 }), "farm.stores[0].herd.goats", /unknown species/],
    ["device on unknown subject", (s: J) => (s.farm.nodes[0].devices[0].subject = "pit-9"), "farm.nodes[0].devices[0].subject", /pit-9/],
    ["unit out of range", (s: J) => (s.farm.nodes[0].devices[0].unit = 248), "farm.nodes[0].devices[0].unit", /≤ 247/],
    ["duplicate unit", (s: J) => s.farm.nodes[0].devices.push({ id: "x", unit: 1, map: "load-cell", every: 1, subject: "pit-1" }), "farm.nodes[0].devices[1].unit", /already used/],
    ["duplicate subject", (s: J) => s.farm.piles.push({ id: "pit-1" }), "farm.piles[1].id", /duplicate subject/],
    ["event on unknown pile", (s: J) => (s.events[0].pile = "pile-2"), "events[0].pile", /no pile called "pile-2"/],
    ["event after the end", (s: J) => (s.events[0].at = "P3D"), "events[0].at", /within the scenario/],
    ["unknown event type", (s: J) => (s.events[0].type = "explode"), "events[0].type", /unknown event type/],
    ["fault on unknown device", (s: J) => s.events.push({ at: "P1D", type: "sensorFault", node: "pit-1", device: "nope", fault: "dead" }), "events[1].device", /no device "nope"/],
    ["trip to unknown field", (s: J) => s.events.push({ at: "P1D", type: "tankerTrip", tanker: "t", store: "pit-1", volumeM3: 1, to: "f" }), "events[1].tanker", /no tanker/],
    ["unknown expectation", (s: J) => s.expect.push({ party: true }), "expect[1]", /unknown expectation/],
    ["between reversed", (s: J) => s.expect.push({ overflow: "pit-1", between: ["P2D", "P1D"] }), "expect[1].between", /from must not be after to/],
    ["held with bad subject", (s: J) => s.expect.push({ held: "nope.core", atLeast: 50, for: "P1D" }), "expect[1].held", /known subject/],
    ["declared catchment negative", (s: J) => (s.farm.stores[0].declared = { catchmentM2: -5 }), "farm.stores[0].declared.catchmentM2", /≥/],
    ["unknown declared field", (s: J) => (s.farm.stores[0].declared = { herd: 3 }), "farm.stores[0].declared.herd", /unknown declared field/],
    ["alert subject without the engine's prefix", (s: J) => s.expect.push({ alert: "L5", subject: "pit-1" }), "expect[1].subject", /engine's subject/],
    ["alert subject on an unknown store", (s: J) => s.expect.push({ alert: "L5", subject: "store:pit-9" }), "expect[1].subject", /unknown store "pit-9"/],
    ["sensor subject on an unknown device", (s: J) => s.expect.push({ alert: "H.stale", subject: "sensor:pit-1/rain.rain_total" }), "expect[1].subject", /no device "rain"/],
    ["field subject without a season", (s: J) => s.expect.push({ alert: "T4", subject: "field:f1" }), "expect[1].subject", /field:<field id>:<season>/],
    ["bad severity", (s: J) => s.expect.push({ alert: "L5", severity: "high" }), "expect[1].severity", /info, warn or critical/],
    ["noAlerts with a bad minSeverity", (s: J) => s.expect.push({ noAlerts: { minSeverity: "loud" } }), "expect[1].noAlerts", /minSeverity/],
    ["store name not a string", (s: J) => (s.farm.stores[0].name = 7), "farm.stores[0].name", /non-empty string/],
    ["pile name too long", (s: J) => (s.farm.piles[0].name = "堆".repeat(65)), "farm.piles[0].name", /at most 64/],
    ["ledger of an unknown kind", (s: J) => s.expect.push({ ledger: "spill" }), "expect[1].ledger", /load" or "unload/],
  ])("%s → path and reason", (_name, mutate, path, reason) => {
    const errs = errorsOf(mutate);
    const hit = errs.find((e) => e.path === path);
    expect(hit, JSON.stringify(errs)).toBeDefined();
    expect(hit!.reason).toMatch(reason);
  });

  it("reports every problem at once, not just the first", () => {
    const errs = errorsOf((s: J) => {
      s.duration = "x";
      s.climate = "y";
      s.farm.stores[0].areaM2 = 0;
    });
    expect(errs.map((e) => e.path)).toEqual(expect.arrayContaining(["duration", "climate", "farm.stores[0].areaM2"]));
  });

  it("refuses a non-object", () => {
    expect(validateScenario([])).toEqual({ ok: false, errors: [{ path: "", reason: "a scenario must be a JSON object" }] });
  });
});
