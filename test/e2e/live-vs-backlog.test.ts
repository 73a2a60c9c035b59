import { beforeAll, describe, expect, it } from "vitest";
import { lossReport } from "../../hil-sim/src/rig/expectations";
import type { StoredTransition } from "../../hil-sim/src/rig/rig";
import { bundleReady, healthyRun, withRig } from "./support";
import { overflowSoon } from "./scenarios";

/**
 * Issue #6 §2: rules run on the readings' own time, so the same farm gives the same alert
 * transitions whether the node's readings arrive live or as a backlog drained at once after
 * the link comes back. Same seed, same physics; once with the gateway reachable, once with
 * the node's link down from PT30M (after its clock was set by the first acks) to PT12H.
 */
beforeAll(() => bundleReady(), 180_000);

const END = 12 * 3_600_000;
const COMPARE_UNTIL = END - 30 * 60_000;

async function transitions(backlog: boolean): Promise<{ tr: StoredTransition[]; readingsDuringOutage: number }> {
  const s = overflowSoon();
  s.duration = "PT14H";
  if (backlog) s.events = [...(s.events ?? []), { at: "PT30M", type: "linkDown", node: "pit-1" }, { at: "PT12H", type: "linkUp", node: "pit-1" }];
  return withRig(s, { seed: 21 }, async (rig) => {
    await rig.run(END);
    if (backlog) {
      // Nothing of the outage has reached the gateway yet...
      expect(rig.storedReadings().filter((r) => r.t > rig.start + 3_600_000).length).toBe(0);
      await rig.clock.runUntil(rig.clock.now() + 60_000); // linkUp fires at PT12H
    }
    expect(await rig.drain()).toBe(true);
    expect(healthyRun(rig)).toEqual([]);
    const loss = lossReport(rig);
    expect(loss.lost).toEqual([]);
    expect(loss.duplicates).toBe(0);
    const during = rig.storedReadings().filter((r) => r.t > rig.start + 3_600_000 && r.t < rig.start + COMPARE_UNTIL).length;
    const tr = rig.gatewayAlerts().filter((x) => x.t <= rig.start + COMPARE_UNTIL);
    return { tr, readingsDuringOutage: during };
  });
}

describe("live versus backlog", () => {
  it("gives identical alert transitions (rules run on data time)", async () => {
    const live = await transitions(false);
    const backlog = await transitions(true);
    expect(live.tr.some((x) => x.rule === "L1" && x.to === "raised")).toBe(true);
    expect(backlog.readingsDuringOutage).toBe(live.readingsDuringOutage);
    expect(backlog.tr).toEqual(live.tr);
  }, 400_000);
});
