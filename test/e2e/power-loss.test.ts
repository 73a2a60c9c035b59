import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../hil-sim/src/rng";
import { lossReport } from "../../hil-sim/src/rig/expectations";
import { LONG, bundleReady, healthyRun, scenario, withRig } from "./support";

/**
 * Issue #4 §10: power loss at many random moments (seeded): RAM gone, flash kept, the bundle
 * boots again. No reading the gateway acknowledged may be lost, none stored twice.
 */
beforeAll(() => bundleReady(), 180_000);

const CUTS = 100;

describe("power loss at random moments", () => {
  it(`${CUTS} power cuts: no acked reading lost, none stored twice`, async () => {
    const s = scenario("power-loss", (x) => {
      // Only the node that loses power: the file's beside-node (a pit level sensor) adds rig
      // time and nothing to this test.
      x.farm.nodes = x.farm.nodes.filter((n) => n.id === "pile-1");
      x.events = [];
      x.expect = [{ noReadingLost: true }];
    });
    const spanMs = (LONG ? 3 : 1.25) * 86_400_000;
    await withRig(s, { seed: 11 }, async (rig) => {
      const rng = new Rng(11, "e2e/power-cuts");
      let t = 10 * 60_000;
      const cuts: { at: number; offMs: number }[] = [];
      for (let i = 0; i < CUTS; i++) {
        t += rng.uniform(0.2, 1.8) * ((spanMs - 10 * 60_000) / (CUTS + 1));
        cuts.push({ at: Math.round(t), offMs: Math.round(rng.uniform(1_000, 120_000)) });
      }
      for (const c of cuts) {
        rig.clock.setTimeout(() => rig.powerLoss("pile-1"), rig.start + c.at - rig.clock.now());
        rig.clock.setTimeout(() => rig.powerOn("pile-1"), rig.start + c.at + c.offMs - rig.clock.now());
      }
      await rig.run(spanMs + 30 * 60_000);
      expect(await rig.drain()).toBe(true);
      expect(healthyRun(rig)).toEqual([]);
      const n = rig.node("pile-1");
      expect(n.powerLosses).toBe(CUTS);
      const boots = new Set(rig.tap.sortedUplinks().map((u) => u.b));
      expect(boots.size).toBeGreaterThan(CUTS / 2); // most boots got to send something
      const loss = lossReport(rig);
      expect(loss.lost).toEqual([]);
      expect(loss.mismatched).toEqual([]);
      expect(loss.duplicates).toBe(0);
      expect(loss.acked).toBe(loss.sent);
    });
  }, LONG ? 1_800_000 : 300_000);
});
