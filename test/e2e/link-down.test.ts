import { beforeAll, describe, expect, it } from "vitest";
import { lossReport } from "../../hil-sim/src/rig/expectations";
import { parseDuration } from "../../hil-sim/src/clock/duration";
import { LONG, bundleReady, healthyRun, scenario, withRig } from "./support";

/**
 * Issue #4 §6/§10, #3: the node's link is down (the farm's access point gone for it), it keeps
 * measuring and buffering to flash, and when the link returns it sends everything: every
 * reading the gateway acknowledged is stored exactly once.
 *
 * Default: the compost node of link-down-week with its link down for one simulated day (the
 * whole week with E2E_LONG=1, on the scenario's own pit node: P5D → P12D).
 */
beforeAll(() => bundleReady(), 180_000);

describe("link down, then back", () => {
  it(LONG ? "a simulated week: nothing lost, nothing stored twice" : "a simulated day: nothing lost, nothing stored twice", async () => {
    const s = scenario("link-down-week", (x) => {
      if (LONG) return;
      x.farm.nodes = x.farm.nodes.filter((n) => n.id === "pile-1");
      x.events = [
        { at: "PT2H", type: "linkDown", node: "pile-1" },
        { at: "P1DT2H", type: "linkUp", node: "pile-1" },
      ];
      x.expect = [{ noReadingLost: true }];
    });
    const node = LONG ? "pit-1" : "pile-1";
    const down = Date.parse(s.start) + parseDuration(LONG ? "P5D" : "PT2H");
    const up = Date.parse(s.start) + parseDuration(LONG ? "P12D" : "P1DT2H");
    await withRig(s, { seed: 5 }, async (rig) => {
      await rig.run(LONG ? "P12DT6H" : "P1DT4H");
      expect(await rig.drain()).toBe(true);
      expect(healthyRun(rig)).toEqual([]);
      const loss = lossReport(rig);
      expect(loss.lost).toEqual([]);
      expect(loss.mismatched).toEqual([]);
      expect(loss.duplicates).toBe(0);
      // Readings taken while the link was down arrived after it came back.
      const during = rig.storedReadings().filter((r) => r.node === node && r.t > down + 600_000 && r.t < up - 600_000);
      const expected = ((up - down - 1_200_000) / 300_000) * 4; // 4 probes every 5 min
      expect(during.length).toBeGreaterThan(expected * 0.95);
      expect(during.length).toBeLessThanOrEqual(expected * 1.05 + 4);
      // Each (node, boot, seq) once (UNIQUE in the store), and the tap saw resends being recognised, not stored.
      const msgs = rig.storedMessages();
      expect(msgs.size).toBe(loss.acked);
      const res = rig.evaluate().find((e) => "noReadingLost" in e.expectation);
      expect(res?.status, res?.detail).toBe("pass");
    });
  }, LONG ? 3_600_000 : 300_000);
});
