import { describe, expect, it } from "vitest";
import { VirtualClock } from "../clock/virtual-clock";
import { listScenarios, loadScenario } from "./load";
import { createSimulation, runScenario } from "./simulation";

describe("runScenario", () => {
  it("the same seed gives byte-identical physics traces; another seed differs", async () => {
    const s = loadScenario("healthy-farm-60d");
    const a = await runScenario(s, { seed: 42, until: "P10D" });
    const b = await runScenario(s, { seed: 42, until: "P10D" });
    const c = await runScenario(s, { seed: 43, until: "P10D" });
    expect(a.trace.rows.length).toBe(10 * 144 + 1);
    expect(JSON.stringify(a.trace)).toBe(JSON.stringify(b.trace));
    expect(a.traceHash).toBe(b.traceHash);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it("a trace does not depend on the pace: as fast as possible and accelerated agree", async () => {
    const s = { ...loadScenario("tanker-road-discharge"), duration: "PT16H" };
    const fast = await runScenario(s, { seed: 5 });
    const paced = await runScenario(s, { seed: 5, speed: 100_000 }); // 16 h in ~0.58 s
    expect(paced.traceHash).toBe(fast.traceHash);
    expect(paced.discharges["tanker-1"]).toHaveLength(2);
    expect(paced.wallMs).toBeGreaterThan(500);
  });

  it.each(listScenarios())("%s: every physics-level expectation passes", async (name) => {
    const r = await runScenario(loadScenario(name), { seed: 1 });
    const failed = r.expectations.filter((e) => e.status === "fail");
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
    expect(r.end).toBe(r.start + r.steps * 60_000);
  });

  it("physics events change the physics, node events reach listeners and are marked unhandled without one", async () => {
    const sim = createSimulation(loadScenario("link-down-week"), { seed: 3 });
    const heard: string[] = [];
    sim.onEvent("linkDown", (ev, t) => heard.push(`${ev.type}@${(t - sim.start) / 86_400_000}`));
    const ticks: number[] = [];
    sim.onStep((t) => {
      if (ticks.length < 3) ticks.push(t - sim.start);
    });
    const r = await sim.run();
    expect(heard).toEqual(["linkDown@5"]);
    expect(ticks).toEqual([60_000, 120_000, 180_000]);
    const byType = Object.fromEntries(r.events.map((e) => [e.event.type, e.handled]));
    expect(byType).toEqual({ linkDown: true, linkUp: false, turn: true });
    expect(r.final["pile-1"].turnings).toBe(1);
  });

  it("a 7-minute step without a trace interval traces every 14 minutes (10 min rounded up to whole steps)", async () => {
    const s = { ...loadScenario("power-loss"), step: "PT7M", trace: undefined, duration: "P1D", events: [] };
    const r = await runScenario(s, { seed: 1 });
    expect(r.trace.rows[1][0] - r.trace.rows[0][0]).toBe(14 * 60_000);
    expect(r.steps).toBe(Math.floor(1440 / 7));
  });

  it("expectations that need the gateway are recorded as deferred, not passed", async () => {
    const r = await runScenario(loadScenario("leak-seepage-warn"), { seed: 1 });
    const l5 = r.expectations.find((e) => "alert" in e.expect);
    expect(l5?.status).toBe("deferred");
  });

  it("a physics expectation can fail: the overflow scenario without its herd does not overflow", async () => {
    const s = loadScenario("pit-nearly-full-overflow");
    s.farm.stores![0].herd = { pigs: 10 };
    const r = await runScenario(s, { seed: 1 });
    expect(r.expectations.find((e) => "overflow" in e.expect)?.status).toBe("fail");
  });

  it("shares a clock given by the caller, which must stand at the scenario's start", async () => {
    const s = loadScenario("power-loss");
    expect(() => createSimulation(s, { clock: new VirtualClock({ start: 0 }) })).toThrow(/not at the scenario's start/);
    const clock = new VirtualClock({ start: Date.parse(s.start) });
    let other = 0;
    clock.setInterval(() => other++, 3_600_000); // another layer on the same clock
    const sim = createSimulation(s, { clock });
    await sim.run({ until: "P1D" });
    expect(other).toBe(24);
    expect(clock.now()).toBe(sim.start + 86_400_000);
  });
});
