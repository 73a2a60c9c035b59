import { beforeAll, describe, expect, it } from "vitest";
import { Q } from "@manure-edge/protocol";
import { lossReport } from "../../hil-sim/src/rig/expectations";
import { bundleReady, healthyRun, scenario, withRig } from "./support";

/**
 * Issue #4 §10 / #3: the firmware bundle in the Espruino runtime polls the simulated sensors
 * over the byte-level RS485 bus, publishes to the gateway's embedded broker, and the gateway
 * stores what the physics says, within the sensors' noise and the register maps' quantisation.
 */
beforeAll(() => bundleReady(), 180_000);

describe("normal operation, firmware → broker → store", () => {
  it("stores every polled quantity with the physics' value; everything acked is stored once", async () => {
    const s = scenario("leak-seepage-warn", (x) => {
      x.expect = []; // the L5 window needs days; this test checks values and losses
    });
    await withRig(s, { seed: 3 }, async (rig) => {
      // True values at every physics step (the slaves sample the latest step).
      const truth = new Map<number, { distance: number; level: number; temp: number; rain: number }>();
      rig.sim.onStep((t) => {
        const f = rig.sim.farm;
        truth.set(t, { distance: f.quantity("pit-1", "distance"), level: f.quantity("pit-1", "level"), temp: f.quantity("weather", "temperature"), rain: f.quantity("weather", "rainTotal") });
      });
      await rig.run("PT4H");
      expect(healthyRun(rig)).toEqual([]);
      const rows = rig.storedReadings();
      const keys = new Set(rows.map((r) => `${r.node}/${r.key}`));
      for (const k of ["pit-1/lvl.distance", "pit-1/press.level", "pit-1/amb.temp", "pit-1/amb.rh", "pit-1/rain.rain_total"]) expect(keys).toContain(k);
      const step = rig.sim.stepMs;
      const at = (t: number) => truth.get(Math.floor((t - rig.start) / step) * step + rig.start);
      const tol: Record<string, ["distance" | "level" | "temp" | "rain", number]> = {
        "lvl.distance": ["distance", 0.001 * 6 + 0.001], // noise 1 mm σ, 1 mm quantum
        "press.level": ["level", 0.002 * 6 + 0.001],
        "amb.temp": ["temp", 0.2 * 6 + 0.1],
        "rain.rain_total": ["rain", 0.2],
      };
      let checked = 0;
      for (const r of rows) {
        const spec = tol[r.key];
        if (!spec || (r.flags & (Q.CLOCK_UNSYNC | Q.TIME_CORRECTED)) !== 0 || r.value === null) continue;
        const tr = at(r.t);
        if (!tr) continue;
        expect(Math.abs(r.value - tr[spec[0]]), `${r.key} at ${new Date(r.t).toISOString()}`).toBeLessThanOrEqual(spec[1]);
        checked++;
      }
      // 4 h of 1-min level polls (two sensors) and 5-min ambient and rain polls, less the first minutes before the clock sync.
      expect(checked).toBeGreaterThan(400);
      const loss = lossReport(rig);
      expect(loss.acked).toBeGreaterThan(100);
      expect(loss.lost).toEqual([]);
      expect(loss.mismatched).toEqual([]);
      expect(loss.duplicates).toBe(0);
      // On the wire: the node's uplinks and statuses and the gateway's acks all went at QoS 1
      // (QoS 0 loses what a broker or a link drops; ../shared/anchors.md).
      const qos = Object.fromEntries(rig.tap.publishQos);
      expect(qos["node up qos1"]).toBeGreaterThan(100);
      expect(qos["node status qos1"]).toBeGreaterThan(0);
      expect(qos["gateway ack qos1"]).toBeGreaterThan(0);
      expect(Object.keys(qos).filter((k) => k.endsWith("qos0") || k.endsWith("qos2"))).toEqual([]);
      // A healthy pit for four hours: no alert at all.
      expect(rig.gatewayAlerts().filter((a) => a.to === "raised")).toEqual([]);
    });
  }, 240_000);
});
