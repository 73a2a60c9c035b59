import { describe, expect, it } from "vitest";
import { RamStore } from "./ram-store";
import { Uplink } from "./uplink";
import { entry } from "../../test/store-suite";

function rig(window = 4, inflight = 2, boot = -1) {
  let now = 0;
  const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined, setInterval: () => 0, clearInterval: () => undefined };
  const store = new RamStore(1000, 1e6);
  const sent: { s: number; p: unknown; su: unknown; done: (ok: boolean) => void }[] = [];
  let connected = true;
  const up = new Uplink(store, (d, done) => {
    if (!connected) return false;
    const m = JSON.parse(d.substring(d.indexOf("{"))) as { s: number; p: unknown; su: unknown };
    sent.push({ s: m.s, p: m.p, su: m.su, done });
    return true;
  }, clock, { window, inflight, ackTimeout: 60000 }, boot, () => now + 1000);
  return { store, sent, up, advance: (ms: number) => (now += ms), setConnected: (c: boolean) => (connected = c) };
}

describe("Uplink flow control", () => {
  it("sends oldest first, at most `inflight` awaiting PUBACK and `window` beyond the gateway's ack", () => {
    const { store, sent, up } = rig(4, 2);
    for (let s = 1; s <= 10; s++) store.push(entry(1, s));
    up.setOnline(true);
    expect(sent.map((x) => x.s)).toEqual([1, 2]);
    sent[0].done(true);
    sent[1].done(true);
    expect(sent.map((x) => x.s)).toEqual([1, 2, 3, 4]);
    sent[2].done(true);
    sent[3].done(true);
    expect(sent.length).toBe(4); // window full: waits for the gateway
    up.ack(1, 2);
    expect(sent.map((x) => x.s)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(store.size()).toBe(8);
  });

  it("sends each message with its predecessor in the queue (p), 0 for the oldest held", () => {
    const { store, sent, up } = rig(8, 8);
    store.push(entry(4, 9));
    for (let s = 1; s <= 3; s++) store.push(entry(5, s));
    up.setOnline(true);
    expect(sent.map((x) => x.p)).toEqual([0, [4, 9], [5, 1], [5, 2]]);
    sent.forEach((x) => x.done(true));
    // Acked up to (5, 1): after a rewind (5, 2) is the oldest held and goes out with p = 0.
    up.ack(5, 1);
    up.rewind();
    up.pump();
    expect(sent.slice(4).map((x) => [x.s, x.p])).toEqual([[2, 0], [3, [5, 2]]]);
  });

  it("a message of this boot goes out with its uptime at send (su), an earlier boot's without", () => {
    const { store, sent, up, advance } = rig(8, 8, 5);
    store.push(entry(4, 9));
    store.push(entry(5, 1));
    advance(7_200_000);
    up.setOnline(true);
    expect(sent.map((x) => [x.s, x.su])).toEqual([[9, undefined], [1, 7_201_000]]);
  });

  it("after a reconnect starts again from the oldest unacked; with no ack for ackTimeout, resends", () => {
    const { store, sent, up, advance } = rig(8, 8);
    for (let s = 1; s <= 5; s++) store.push(entry(1, s));
    up.setOnline(true);
    sent.forEach((x) => x.done(true));
    up.ack(1, 2);
    up.setOnline(false);
    up.setOnline(true);
    expect(sent.slice(5).map((x) => x.s)).toEqual([3, 4, 5]);
    sent.slice(5).forEach((x) => x.done(true));
    advance(61000);
    up.tick();
    expect(sent.slice(8).map((x) => x.s)).toEqual([3, 4, 5]);
    up.ack(1, 5);
    expect(store.size()).toBe(0);
    expect(up.outstanding()).toBe(0);
  });

  it("a message still being re-sent by the MQTT layer (§4.4) is not sent twice", () => {
    const { store, sent, up } = rig(8, 8);
    for (let s = 1; s <= 3; s++) store.push(entry(1, s));
    up.setOnline(true);
    sent[0].done(true); // 2 and 3 still await PUBACK
    up.setOnline(false);
    up.setOnline(true);
    expect(sent.slice(3).map((x) => x.s)).toEqual([1]);
  });
});

describe("Uplink first-send times (for the clock: app/node-clock.ts)", () => {
  it("knows when each message was first sent; a resend after a reconnect does not change it", () => {
    const { store, sent, up, advance } = rig(8, 8);
    for (let s = 1; s <= 3; s++) store.push(entry(1, s));
    up.setOnline(true);
    advance(250);
    expect(up.firstSentAgo(1, 1)).toBe(250);
    expect(up.firstSentAgo(1, 4)).toBe(-1);
    expect(up.firstSentAgo(2, 1)).toBe(-1);
    sent.forEach((x) => x.done(true));
    up.setOnline(false);
    advance(6 * 3_600_000);
    up.setOnline(true); // resends 1..3
    expect(sent.length).toBe(6);
    // An ack for 1:3 arriving now may have been made six hours ago: the interval says so.
    expect(up.firstSentAgo(1, 3)).toBe(6 * 3_600_000 + 250);
    store.push(entry(1, 4));
    up.pump();
    expect(up.firstSentAgo(1, 4)).toBe(0);
  });

  it("remembers the latest 2 × window first sends", () => {
    const { store, sent, up, advance } = rig(4, 4);
    for (let s = 1; s <= 12; s++) store.push(entry(1, s));
    up.setOnline(true);
    for (let k = 0; k < 3; k++) {
      sent.forEach((x) => x.done(true));
      advance(10);
      up.ack(1, 4 * (k + 1));
    }
    expect(up.firstSentAgo(1, 12)).toBeGreaterThanOrEqual(0);
    expect(up.firstSentAgo(1, 4)).toBe(-1);
  });
});
