import { beforeAll, describe, expect, it } from "vitest";
import { bundleReady, healthyRun, sha256, withRig } from "./support";
import { probeUnpluggedSoon } from "./scenarios";

/**
 * Issue #3 §1: same seed → the same stored readings and alerts, with the real broker and
 * gateway in the loop (real sockets, real SQLite), through an unplugged probe, a link outage
 * and power cuts. The clock's I/O guard and the rig's tap make socket timing irrelevant.
 */
beforeAll(() => bundleReady(), 180_000);

async function runOnce(seed: number): Promise<{ readings: string; alerts: string; n: number }> {
  const s = probeUnpluggedSoon();
  s.events = [
    ...(s.events ?? []),
    { at: "PT1H", type: "linkDown", node: "pile-1" },
    { at: "PT2H", type: "linkUp", node: "pile-1" },
    { at: "PT2H30M", type: "powerLoss", node: "pile-1", duration: "PT2M" },
    { at: "PT4H10M", type: "powerLoss", node: "pile-1", duration: "PT30S" },
  ];
  return withRig(s, { seed }, async (rig) => {
    await rig.run();
    await rig.drain();
    expect(healthyRun(rig)).toEqual([]);
    const rows = rig.storedReadings();
    return { readings: sha256(rows), alerts: sha256(rig.gatewayAlerts()), n: rows.length };
  });
}

describe("determinism with the real broker in the loop", () => {
  it("same seed → same stored readings and alert transitions; another seed differs", async () => {
    const a = await runOnce(9);
    const b = await runOnce(9);
    expect(a.n).toBeGreaterThan(200);
    expect(b).toEqual(a);
    const c = await runOnce(10);
    expect(c.readings).not.toBe(a.readings);
  }, 400_000);
});
