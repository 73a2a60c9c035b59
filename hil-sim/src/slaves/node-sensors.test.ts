import { describe, expect, it } from "vitest";
import { decodePoint, encodeReadRequest, NmeaLineSplitter, parseRMC, Q, type PointDef } from "@manure-edge/protocol";
import { loadScenario } from "../scenario/load";
import { createSimulation } from "../scenario/simulation";
import { attachSensors } from "./node-sensors";
import { loadMapJson } from "./maps";
import { ProbeMaster, type ProbeResult } from "./probe-master";

function ask(master: ProbeMaster, req: Uint8Array): Promise<ProbeResult> {
  return master.request(req);
}

const points = (id: string) => (loadMapJson(id) as { points: PointDef[] }).points;

describe("attachSensors: a scenario's devices as slaves on each node's bus", () => {
  it("a master on pit-1's bus reads the level the physics says; the tanker's scale in kg; GPS on its own line", async () => {
    const sim = createSimulation(loadScenario("tanker-road-discharge"), { seed: 3, yieldEvery: 5000 });
    const nodes = attachSensors(sim);
    const pit = nodes.get("pit-1")!;
    const tanker = nodes.get("tanker-1")!;
    const master = new ProbeMaster(pit.bus, { chunkMs: 10 });
    const scaleMaster = new ProbeMaster(tanker.bus, { chunkMs: 10 });
    const rmc: string[] = [];
    const split = new NmeaLineSplitter();
    tanker.gps!.line.attach("node", { onData: (c) => rmc.push(...split.push(String.fromCharCode(...c)).filter((l) => l.includes("RMC"))) });
    await sim.run({ until: "PT2H" });
    // Poll after the run, with the physics frozen at its last step.
    const pending = ask(master, encodeReadRequest(1, 3, 0, 1));
    const pendingScale = ask(scaleMaster, encodeReadRequest(1, 3, 0, 3));
    sim.clock.advance(1000);
    const r = await pending;
    if (!r.ok) throw new Error("no reply from lvl");
    const distance = decodePoint(points("ultrasonic-level")[0], r.response.values).value!;
    expect(Math.abs(distance - sim.farm.quantity("pit-1", "distance"))).toBeLessThan(0.012); // noise 0.002 m, 1 mm steps
    const s = await pendingScale;
    if (!s.ok) throw new Error("no reply from scale");
    const weight = decodePoint(points("load-cell")[0], s.response.values, 0).value!;
    expect(Math.abs(weight - sim.farm.quantity("tanker-1", "weight") * 1000)).toBeLessThan(1);
    expect(rmc.length).toBeGreaterThan(7000); // one per virtual second for 2 h
    const last = parseRMC(rmc[rmc.length - 1]);
    expect(last.ok && last.value.lat).toBeCloseTo(sim.farm.quantity("tanker-1", "lat"), 4);
    for (const n of nodes.values()) n.stop();
  });

  it("routes the scenario's sensorFault events: probe t2 unplugged on day 8 reads its sentinel, cleared on day 10", async () => {
    const sim = createSimulation(loadScenario("probe-unplugged"), { seed: 1, yieldEvery: 5000 });
    const nodes = attachSensors(sim);
    const bus = nodes.get("pile-1")!.bus;
    const master = new ProbeMaster(bus, { chunkMs: 10 });
    const t2 = points("pt100-4ch").find((p) => p.name === "t2")!;
    const readT2 = async () => {
      const p = ask(master, encodeReadRequest(1, 3, 0, 4));
      sim.clock.advance(500);
      const r = await p;
      if (!r.ok) throw new Error("no reply");
      return decodePoint(t2, r.response.values, 0);
    };
    await sim.run({ until: "P8DT1H" });
    const during = await readT2();
    expect(during.value).toBeNull();
    expect(during.flags & Q.SENSOR_FAULT).toBeTruthy();
    await sim.run({ until: "P10DT1H" });
    const after = await readT2();
    expect(after.flags).toBe(0);
    expect(Math.abs(after.value! - sim.farm.quantity("pile-1", "envelope"))).toBeLessThan(1);
    expect(sim.events.filter((e) => e.event.type === "sensorFault").every((e) => e.handled)).toBe(true);
    for (const n of nodes.values()) n.stop();
  });
});

describe("determinism", () => {
  it("the same seed gives the same bytes on the wire, byte for byte; another seed does not", async () => {
    const trace = async (seed: number) => {
      const sim = createSimulation(loadScenario("tanker-road-discharge"), { seed, yieldEvery: 5000 });
      const nodes = attachSensors(sim);
      const pit = nodes.get("pit-1")!;
      pit.ports.get("lvl")!.faults.setRates({ bitError: 0.05, garbage: 0.05 });
      const seen: string[] = [];
      pit.bus.observe((ev) => seen.push(`${ev.end.toFixed(3)}:${ev.sender}:${ev.received}`));
      const master = new ProbeMaster(pit.bus, { chunkMs: 10 });
      const units = [1, 2, 3, 4];
      const reqs = [encodeReadRequest(1, 3, 0, 1), encodeReadRequest(2, 3, 2, 3), encodeReadRequest(3, 4, 1, 2), encodeReadRequest(4, 3, 0, 2)];
      let i = 0;
      sim.clock.setInterval(() => {
        if (!master.busy) master.transact(reqs[i++ % units.length], () => undefined);
      }, 2000);
      await sim.run({ until: "PT30M" });
      for (const n of nodes.values()) n.stop();
      return seen.join("\n");
    };
    const a = await trace(11);
    expect(a.length).toBeGreaterThan(10_000);
    expect(await trace(11)).toBe(a);
    expect(await trace(12)).not.toBe(a);
  });
});
