import { beforeAll, expect, it } from "vitest";
import { Q } from "@manure-edge/protocol";
import { bundleReady, scenario, withRig } from "./support";

/**
 * Issue #4 §8 and #5 §7: a node that boots while its link is down has no clock; its readings
 * carry uptime and CLOCK_UNSYNC, and the gateway places them on its own clock from the
 * message's uptime at send (UplinkMessage.su, else up) and the time it received the message.
 * A message made during the outage is sent hours after it was made, so placing it with the
 * uptime at which it was MADE would shift every such reading by the length of the outage.
 *
 * Here the compost node boots with its access point down, measures for two simulated hours,
 * then the link comes back: every unsynchronised reading must be stored within 30 s of
 * when it was really taken (the node booted at the scenario's start, so that is start + its
 * uptime), and flagged TIME_CORRECTED.
 */
beforeAll(() => bundleReady(), 180_000);

it("readings taken before the node had a clock are placed at their real time, however late they are sent", async () => {
  const s = scenario("link-down-week", (x) => {
    x.farm.nodes = x.farm.nodes.filter((n) => n.id === "pile-1");
    x.events = [{ at: "PT2H", type: "linkUp", node: "pile-1" }];
    x.expect = [{ noReadingLost: true }];
  });
  await withRig(s, { seed: 11, linkDownAtStart: ["pile-1"] }, async (rig) => {
    await rig.run("PT2H30M");
    expect(await rig.drain()).toBe(true);
    // A message holds several samples of one probe (often equal values): pair the stored
    // readings of a (boot, seq, key) with the sent ones in time order.
    const stored = new Map<string, { t: number; flags: number }[]>();
    for (const x of rig.storedReadings()) {
      if (x.node !== "pile-1") continue;
      const k = `${x.boot}/${x.seq}/${x.key}`;
      stored.set(k, [...(stored.get(k) ?? []), x]);
    }
    for (const l of stored.values()) l.sort((a, b) => a.t - b.t);
    const errors: number[] = [];
    let checked = 0;
    for (const u of rig.tap.sortedUplinks()) {
      if (u.node !== "pile-1") continue;
      for (const r of u.r) {
        const [key, uptime, , flags] = r as [string, number, number | null, number];
        if ((flags & Q.CLOCK_UNSYNC) === 0) continue;
        const got = stored.get(`${u.b}/${u.s}/${key}`)?.shift();
        expect(got, `${u.b}/${u.s} ${key} stored`).toBeDefined();
        expect(got!.flags & Q.TIME_CORRECTED).toBe(Q.TIME_CORRECTED);
        errors.push(Math.abs(got!.t - (rig.start + uptime)));
        checked++;
      }
    }
    // Two hours of readings every 5 minutes from 4 probes, all before the first ack.
    expect(checked).toBeGreaterThan(80);
    if (process.env.PLACE_DEBUG) console.log("errors s", errors.map((e) => Math.round(e / 1000)).join(","));
    const worst = Math.max(...errors);
    expect(worst, `worst placement error ${Math.round(worst / 1000)} s over ${checked} readings`).toBeLessThan(30_000);
  });
}, 300_000);
