/**
 * The built bundle in hil-sim's Espruino runtime: normal operation, a long link outage, power
 * cuts at random moments, slave faults. Virtual time; real aedes; real TCP for MQTT.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Q } from "@manure-edge/protocol";
import { rig, type Rig } from "./rig";

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.stop();
});

async function start(seed = 1) {
  const r = await rig({ seed });
  rigs.push(r);
  r.rt.boot();
  return r;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

describe("the firmware bundle in hil-sim's Espruino runtime", () => {
  it("publishes valid uplinks with the simulated values, gets acked, sets its clock, reports status", async () => {
    const r = await start();
    const t0 = r.clock.now();
    await r.clock.runFor(30 * MIN);
    // MQTT rides real TCP in wall time while the node runs in virtual time: give what was taken
    // in those 30 min up to 30 more virtual minutes to reach the gateway, then count only it.
    const firstHalfHour = () => r.gw.readings("lvl.distance").filter((x) => x[1] <= t0 + 30 * MIN);
    for (let i = 0; i < 6 && firstHalfHour().length < 25; i++) await r.clock.runFor(5 * MIN);
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.invalid).toEqual([]);
    expect(firstHalfHour().length).toBeGreaterThanOrEqual(25);
    const d = r.gw.readings("lvl.distance");
    // Readings after the first ack carry epoch time close to the virtual clock, and the value the physics gave.
    const synced = d.filter((x) => (x[3] & Q.CLOCK_UNSYNC) === 0);
    expect(synced.length).toBeGreaterThan(10);
    const last = synced[synced.length - 1];
    expect(Math.abs(last[1] - r.clock.now())).toBeLessThan(10 * MIN);
    expect(last[2]).toBeCloseTo(r.distance(last[1]), 3);
    expect(r.gw.readings("pile.t3")[0][2]).toBe(53);
    expect(r.gw.gaps()).toEqual([]);
    // A resend (after a reconnect) is stored once and is the very same text.
    expect(r.gw.changedDuplicates).toBe(0);
    const s = r.gw.statuses.find((x) => x.state === "online")!;
    expect(s.fw).toBeTruthy();
    expect(s.mem!.total).toBeGreaterThan(s.mem!.free);
    // The watchdog is armed and the healthy loop kept kicking it: no watchdog reset.
    expect(r.rt.stats.resets.watchdog).toBe(0);
    expect(r.rt.stats.boots).toBe(1);
  }, 300_000);

  it("link down for 6 hours, then back: every reading arrives once, in order, nothing lost", async () => {
    const r = await start(2);
    await r.clock.runFor(20 * MIN);
    const cutAt = r.clock.now();
    r.net.cut();
    // An ack published while the node is away, as a gateway does for a message that reached it
    // just before the cut: the broker keeps it for the node's persistent session and delivers
    // it at the reconnect, six hours late. Its time must not set the node's clock back.
    await r.clock.runFor(MIN);
    const lastIn = Math.max(...[...r.gw.messages.values()].map((m) => m.s));
    await r.gw.ack(1, lastIn, r.clock.now());
    for (let h = 0; h < 6; h++) await r.clock.runFor(HOUR);
    // Nothing taken after the cut got through while it lasted. (Counted by reading time, not
    // by arrival: messages published just before the cut may still reach aedes in wall time.)
    expect(r.gw.readings("lvl.distance").filter((x) => x[1] > cutAt + MIN).length).toBe(0);
    // For the first 10 min back the gateway stores but does not ack (busy): no fresh ack
    // corrects the clock, so readings made then show whether the late ack set it back.
    r.gw.acking = false;
    r.net.restore();
    const backAt = r.clock.now();
    await r.clock.runFor(10 * MIN);
    r.gw.acking = true;
    // Until the gateway has caught up (wall-time TCP against virtual time), at most 2 h.
    for (let m = 0; m < 24; m++) {
      await r.clock.runFor(5 * MIN);
      if (m >= 7 && r.gw.gaps().length === 0 && r.gw.readings("lvl.distance").some((x) => x[1] > backAt + 30 * MIN)) break;
    }
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.invalid).toEqual([]);
    expect(r.gw.gaps()).toEqual([]);
    const d = r.gw.readings("lvl.distance");
    // One reading a minute through the 6 h outage: all of them (and the cadence check below).
    const times = d.map((x) => x[1]);
    expect(d.filter((x) => x[1] > cutAt && x[1] <= backAt).length).toBeGreaterThanOrEqual(6 * 60 - 2);
    const unique = new Set(d.map((x) => x[0] + x[1]));
    expect(unique.size).toBe(d.length); // stored once
    expect(r.gw.changedDuplicates).toBe(0);
    const status = r.gw.statuses.filter((x) => x.state === "online").pop()!;
    expect(status.buf!.dropped).toBe(0);
    let maxGap = 0;
    for (let i = 1; i < times.length; i++) if (d[i][3] === d[i - 1][3]) maxGap = Math.max(maxGap, times[i] - times[i - 1]);
    expect(maxGap).toBeLessThan(3 * MIN);
    // In sequence order the readings' times only go forward (a clock set back by the late ack
    // would stamp readings after the reconnect hours early); allow the round-trip correction.
    const back = times.filter((t, i) => i > 0 && t < times[i - 1] - 5000);
    expect(back).toEqual([]);
    // The late ack was seen, and its time not used (err.lateAck counts acks that gave no time).
    expect(status.err!.lateAck).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it("the Wi-Fi access point gone for an hour: the node reconnects by itself and sends what it kept", async () => {
    const r = await start(6);
    await r.clock.runFor(20 * MIN);
    r.ap.down();
    await r.clock.runFor(HOUR);
    r.ap.restore();
    const back = r.clock.now();
    for (let m = 0; m < 6; m++) await r.clock.runFor(5 * MIN);
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.gaps()).toEqual([]);
    const d = r.gw.readings("lvl.distance");
    expect(d.length).toBeGreaterThanOrEqual(100);
    // Readings from during the outage and after it arrived.
    expect(d.filter((x) => x[1] > back - 50 * MIN && x[1] < back).length).toBeGreaterThanOrEqual(45);
    expect(d.filter((x) => x[1] > back + 5 * MIN).length).toBeGreaterThanOrEqual(15);
  }, 300_000);

  it("power cut at 100 random moments: after each, the node boots with a new boot number and nothing acked is lost or doubled", async () => {
    const r = await start(3);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const cuts = 100;
    for (let i = 0; i < cuts; i++) {
      await r.clock.runFor(Math.floor(20_000 + rand() * 4 * MIN));
      r.rt.powerCycle(Math.floor(1000 + rand() * 30000));
    }
    await r.clock.runFor(30 * MIN);
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.invalid).toEqual([]);
    // The boot counter in flash went up at every power-on; boots that lived long enough to
    // close a batch all reached the gateway.
    expect(r.rt.stats.boots).toBe(cuts + 1);
    const boots = new Set([...r.gw.messages.values()].map((m) => m.b));
    expect(Math.max(...boots)).toBe(cuts + 1);
    expect(boots.size).toBeGreaterThanOrEqual(cuts * 0.7);
    // Per boot, messages form a prefix 1..k (a cut may lose the unsent tail in RAM, never a middle one).
    expect(r.gw.gaps()).toEqual([]);
    expect(r.gw.changedDuplicates).toBe(0);
  }, 300_000);

  it("a slave answering with bad CRCs, exceptions, late and truncated replies: flagged readings, counters, the other slave unaffected", async () => {
    const r = await start(4);
    // Every fault of hil-sim's list (FAULT_KINDS), at once.
    r.faults.setRates({ bitError: 0.15, exception: 0.1, late: 0.1, truncate: 0.1, garbage: 0.05, noReply: 0.1, duplicate: 0.05 });
    await r.clock.runFor(3 * HOUR);
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.invalid).toEqual([]);
    const t1 = r.gw.readings("pile.t1");
    const flagged = t1.filter((x) => x[2] === null);
    expect(flagged.length).toBeGreaterThan(0);
    for (const f of flagged) {
      expect(f[3] & Q.MODBUS_ERROR).toBe(Q.MODBUS_ERROR);
      expect(f[4]?.e).toBeTruthy();
    }
    expect(t1.filter((x) => x[2] === 51).length).toBeGreaterThan(0);
    // The healthy level sensor kept its one-a-minute cadence.
    const lvl = r.gw.readings("lvl.distance");
    expect(lvl.length).toBeGreaterThanOrEqual(170);
    expect(lvl.every((x) => x[2] !== null)).toBe(true);
    // The errors reach the gateway as counters in the status (every 5 min), not only as flags:
    // per device, and per kind (CRC, time-out, exception) for the node.
    const s = r.gw.statuses.filter((x) => x.state === "online").pop();
    expect(s, "an online status within 3 hours").toBeDefined();
    expect(s!.dev!.pile.err).toBeGreaterThan(0);
    expect(s!.dev!.lvl.err).toBe(0);
    expect(s!.err!.mbCrc).toBeGreaterThan(0);
    expect(s!.err!.mbTimeout).toBeGreaterThan(0);
    expect(s!.err!.mbExc).toBeGreaterThan(0);
  }, 300_000);
});
