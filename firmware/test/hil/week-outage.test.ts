/**
 * Issue #4 §10: the link down for a simulated week, then back. The built bundle in hil-sim's
 * Espruino runtime, real aedes, the acking test gateway (protocol's validators, one copy per
 * (boot, seq)).
 *
 * The rig's node (level every 60 s: 1 reading; pt100-8ch every 300 s: 8 readings) makes
 * 3 744 readings a day, ≈ 135 KB of stored messages: the 640 KB flash budget
 * (src/buffer/flash-store.ts DEFAULT_FLASH) holds ≈ 4.7 days, so a week overflows it (asserted:
 * a run that did not overflow would prove nothing here). Exactly one run of the oldest messages
 * is missing, `buf.dropped` counts them (plus those the gateway got just before the cut but
 * whose ack never came back: the node cannot know those arrived), the survivors fill the
 * budget, and what the queue holds in flash, read from the simulated flash itself, never
 * exceeds it (../shared/anchors.md: ThingsBoard's 45 GB after a 4-day outage).
 */
import { afterEach, describe, expect, it } from "vitest";
import { rig, type Rig } from "./rig";
import { DEFAULT_FLASH } from "../../src/buffer/flash-store";
import type { FlashStorage } from "../../../hil-sim/src/espruino/flash";

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.stop();
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * Bytes of queued messages in flash, read from the simulated chips: every StorageFile `mq<n>`
 * (chunks "\x01", "\x02"…), its written bytes (erased flash reads 0xFF and the lines are
 * ASCII). Also the space the chunks take, headers included.
 */
function queueInFlash(flash: FlashStorage): { bytes: number; footprint: number } {
  let bytes = 0;
  let footprint = 0;
  for (const f of flash.list(1)) {
    if (!/^mq[0-9]+$/.test(f)) continue;
    for (let c = 1; c < 256; c++) {
      const d = flash.read(f + String.fromCharCode(c));
      if (!d) break;
      footprint += 32 + d.length;
      for (const b of d) if (b !== 0xff) bytes++;
    }
  }
  return { bytes, footprint };
}

/** The gateway has every message after the dropped run (if any) up to the newest, made in the last 20 min. */
function caughtUp(r: Rig): boolean {
  const gaps = r.gw.gaps().map((k) => Number(k.split(":")[1]));
  for (let i = 1; i < gaps.length; i++) if (gaps[i] !== gaps[i - 1] + 1) return false;
  let newest = 0;
  for (const m of r.gw.messages.values()) newest = Math.max(newest, m.t);
  return newest > r.clock.now() - 20 * MIN;
}

describe("the firmware bundle with its link down for a simulated week", () => {
  it("keeps the newest messages up to the flash budget, drops the oldest and counts them, and the gateway stores every survivor once", async () => {
    const r = await rig({ seed: 9 });
    rigs.push(r);
    r.rt.boot();
    await r.clock.runFor(20 * MIN);
    const online = r.gw.statuses.filter((x) => x.state === "online").length;
    expect(online).toBeGreaterThan(0);
    const cutAt = r.clock.now();
    r.net.cut();
    // Big steps: the virtual clock runs every timer in between anyway; fewer awaits is faster.
    let most = { bytes: 0, footprint: 0 };
    for (let h = 0; h < 7 * 24; h += 12) {
      await r.clock.runFor(12 * HOUR);
      const q = queueInFlash(r.flash);
      if (q.bytes > most.bytes) most = q;
    }
    // The budget bounds what the queue keeps, whatever the outage's length.
    expect(most.bytes).toBeGreaterThan(DEFAULT_FLASH.maxBytes - 2 * DEFAULT_FLASH.segBytes);
    expect(most.bytes).toBeLessThanOrEqual(DEFAULT_FLASH.maxBytes);
    const beforeRestore = r.gw.messages.size;
    r.net.restore();
    const backAt = r.clock.now();
    // 16 messages out at a time (README), ≈ 1 800 to send: run until the gateway has caught up
    // with what the node makes (no gap after the dropped run), at most 4 virtual hours.
    for (let m = 0; m < 48; m++) {
      await r.clock.runFor(5 * MIN);
      if (m >= 6 && caughtUp(r)) break;
    }

    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.invalid).toEqual([]);
    expect(r.rt.stats.boots).toBe(1);
    expect(r.gw.changedDuplicates).toBe(0);

    // Status after the link came back: the node's own count of dropped messages.
    const last = r.gw.statuses.filter((x) => x.state === "online").pop()!;
    expect(last.t).toBeGreaterThan(backAt - 10 * MIN);
    const dropped = last.buf!.dropped;
    const boots = new Set([...r.gw.messages.values()].map((m) => m.b));
    expect([...boots]).toEqual([1]);
    const seqs = [...r.gw.messages.values()].map((m) => m.s).sort((a, b) => a - b);
    const maxSeq = seqs[seqs.length - 1];
    const missing = r.gw.gaps().map((k) => Number(k.split(":")[1]));

    // Every message made was either stored once at the gateway or dropped by the node. The
    // node counts what it dropped unacknowledged: the messages missing at the gateway, plus
    // those that reached the gateway just before the cut but whose ack did not come back (at
    // most the 16 the uplink has out beyond the last ack, README).
    expect(seqs.length + missing.length).toBe(maxSeq);
    expect(dropped).toBeGreaterThanOrEqual(missing.length);
    expect(dropped - missing.length).toBeLessThanOrEqual(16);
    // The node made messages up to (nearly) now: the newest are there.
    const newest = r.gw.messages.get("1:" + maxSeq)!;
    expect(newest.t).toBeGreaterThan(r.clock.now() - 30 * MIN);

    // The week overflowed the budget (the header's arithmetic): the oldest were dropped.
    expect(missing.length).toBeGreaterThan(0);
    {
      // The dropped are the oldest of the outage: one contiguous run, right after what the
      // gateway had before the cut (give or take the messages in flight at the cut).
      expect(missing[missing.length - 1] - missing[0] + 1).toBe(missing.length);
      expect(missing[0]).toBeGreaterThanOrEqual(beforeRestore - 2);
      expect(missing[0]).toBeLessThanOrEqual(beforeRestore + 4);
      // The survivors of the outage fill the budget: at most one segment and a RAM queue short
      // of it (a segment is dropped whole, so the space freed by the last drop may be unused).
      let kept = 0;
      for (const [k, text] of r.gw.raw) if (Number(k.split(":")[1]) > missing[missing.length - 1]) kept += text.length + 1;
      expect(kept).toBeGreaterThan(DEFAULT_FLASH.maxBytes - 2 * DEFAULT_FLASH.segBytes);
      // and the readings they carry start inside the outage and run to the end with the rig's
      // cadence (level every minute).
      const lvl = r.gw.readings("lvl.distance").filter((x) => x[1] > cutAt);
      const times = lvl.map((x) => x[1]);
      let maxGap = 0;
      const gapAt = times.findIndex((t, i) => i > 0 && t - times[i - 1] > HOUR);
      const first = gapAt < 0 ? 0 : gapAt;
      for (let i = first + 1; i < times.length; i++) maxGap = Math.max(maxGap, times[i] - times[i - 1]);
      expect(maxGap).toBeLessThan(3 * MIN);
      // In sequence order time only goes forward (a late ack must not set the clock back).
      expect(times.filter((t, i) => i > 0 && t < times[i - 1] - 5000)).toEqual([]);
      const keptDays = (times[times.length - 1] - times[first]) / DAY;
      console.log(`week outage: ${seqs.length} messages stored, ${dropped} dropped (oldest), survivors ${(kept / 1024).toFixed(0)} KB covering ${keptDays.toFixed(2)} days of readings; the queue in flash at most ${most.bytes} bytes (${most.footprint} with chunk headers and unused chunk ends)`);
      expect(keptDays).toBeGreaterThan(3);
    }
  }, 600_000);

  it("with a 256 KB Storage (the Linux build's) the Storage fills before the budget: the oldest are dropped and counted, every survivor reaches the gateway once, nothing broken", async () => {
    const r = await rig({ seed: 9, flashBytes: 256 * 1024 });
    rigs.push(r);
    r.rt.boot();
    await r.clock.runFor(20 * MIN);
    r.net.cut();
    let most = 0;
    for (let h = 0; h < 3 * 24; h += 12) {
      await r.clock.runFor(12 * HOUR);
      most = Math.max(most, queueInFlash(r.flash).footprint);
    }
    r.net.restore();
    for (let m = 0; m < 48; m++) {
      await r.clock.runFor(5 * MIN);
      if (m >= 6 && caughtUp(r)) break;
    }
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.invalid).toEqual([]);
    expect(r.gw.changedDuplicates).toBe(0);
    // The Storage was the limit, not the 640 KB budget: the queue took nearly all of it.
    expect(most).toBeLessThanOrEqual(256 * 1024);
    expect(most).toBeGreaterThan(192 * 1024);
    const seqs = [...r.gw.messages.values()].map((m) => m.s).sort((a, b) => a - b);
    const missing = r.gw.gaps().map((k) => Number(k.split(":")[1]));
    expect(seqs.length + missing.length).toBe(seqs[seqs.length - 1]);
    expect(missing.length).toBeGreaterThan(0);
    expect(missing[missing.length - 1] - missing[0] + 1).toBe(missing.length);
    const dropped = r.gw.statuses.filter((x) => x.state === "online").pop()!.buf!.dropped;
    expect(dropped).toBeGreaterThanOrEqual(missing.length);
    expect(dropped - missing.length).toBeLessThanOrEqual(16);
    console.log(`3-day outage, 256 KB Storage: ${seqs.length} messages stored, ${dropped} dropped (oldest), the queue's chunks at most ${most} bytes`);
  }, 600_000);
});
