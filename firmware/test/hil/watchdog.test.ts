/**
 * Issue #4 §9/§10: a watchdog reset. The built bundle in hil-sim's Espruino runtime, whose
 * watchdog is the simulator's (E.enableWatchdog(30, false): reset unless E.kickWatchdog() is
 * called within 30 s).
 *
 * The hang: every timer of the firmware is stopped with `clearInterval()` typed into the node
 * (Espruino's documented behaviour without an argument: all timers and intervals stop), as a
 * stray console command or a bug in any module would do. The event loop then runs nothing: no
 * poll completes, the housekeeping that kicks the watchdog is gone, and only the watchdog can
 * bring the node back. (The finer rule, "kicked only while a device poll completed recently",
 * with the housekeeping still running, is tested at node level in src/app/node.test.ts: a
 * dead slave alone does not stall this loop, because the master times out and the poll
 * completes with errors.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { rig, type Rig } from "./rig";

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.stop();
});

const MIN = 60_000;

describe("the firmware bundle and the watchdog", () => {
  it("a hung main loop is reset by the watchdog: boot counter + 1, the messages buffered in flash survive and are resent", async () => {
    const r = await rig({ seed: 5 });
    rigs.push(r);
    r.rt.boot();
    await r.clock.runFor(10 * MIN);
    expect(r.gw.messages.size).toBeGreaterThan(0);
    // Link down: from now on messages wait in flash for the gateway's ack.
    const cutAt = r.clock.now();
    r.net.cut();
    await r.clock.runFor(30 * MIN);
    const flashBefore = r.flash.list(1).filter((n) => /^mq\d+$/.test(n)).length;
    expect(flashBefore).toBeGreaterThan(0);

    // The hang.
    r.rt.evaluate("clearInterval()");
    const hungAt = r.clock.now();
    expect(r.rt.stats.resets.watchdog).toBe(0);
    // 30 s watchdog (+ the runtime's 1 s boot delay): a minute is plenty; nothing else resets it.
    await r.clock.runFor(MIN);
    expect(r.rt.stats.resets.watchdog).toBe(1);
    expect(r.rt.stats.boots).toBe(2);
    expect(r.rt.consoleText()).toMatch(/node pit-1 boot 2 fw \S+ config from storage/);

    // Link back: the node of boot 2 sends what boot 1 left in flash, then its own.
    r.net.restore();
    for (let m = 0; m < 24; m++) {
      await r.clock.runFor(5 * MIN);
      const boots = new Set([...r.gw.messages.values()].map((x) => x.b));
      if (m >= 3 && boots.has(2) && r.gw.gaps().length === 0 && r.gw.readings("lvl.distance").some((x) => x[1] > r.clock.now() - 10 * MIN)) break;
    }
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.invalid).toEqual([]);
    expect(r.gw.changedDuplicates).toBe(0);
    // Per boot, messages form a prefix 1..k: nothing in the middle lost.
    expect(r.gw.gaps()).toEqual([]);
    const boot1 = [...r.gw.messages.values()].filter((m) => m.b === 1);
    const boot2 = [...r.gw.messages.values()].filter((m) => m.b === 2);
    expect(boot2.length).toBeGreaterThan(0);
    // The outage's readings of boot 1 (one level reading a minute) were in flash over the
    // reset and arrived: all but the batch still open in RAM when the loop hung (≤ 5 min offline).
    const lvl1 = boot1.flatMap((m) => m.r.filter((x) => x[0] === "lvl.distance"));
    const during = lvl1.filter((x) => x[1] > cutAt && x[1] <= hungAt);
    expect(during.length).toBeGreaterThanOrEqual(30 - 6);
    expect(lvl1.every((x) => x[1] <= hungAt)).toBe(true);
    // The status of the new boot says so.
    const st = r.gw.statuses.filter((x) => x.state === "online").pop()!;
    expect(st.b).toBe(2);
    expect(r.rt.stats.resets.watchdog).toBe(1);
  }, 300_000);
});
