import { describe, expect, it } from "vitest";
import { DRIFT, GOOD_MS, NodeClock } from "./node-clock";

function board() {
  let now = 5000; // the board's own clock: ms since power-on
  const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined, setInterval: () => 0, clearInterval: () => undefined };
  return { clock, advance: (ms: number) => (now += ms) };
}

const T = Date.UTC(2026, 5, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("NodeClock: acks as time samples with an error bound", () => {
  it("runs on uptime until the first sample, then on the gateway's time plus half the round trip", () => {
    const b = board();
    const c = new NodeClock(b.clock);
    b.advance(1000);
    expect(c.synced).toBe(false);
    expect(c.now()).toBe(1000);
    expect(c.error()).toBe(Infinity);
    expect(c.offer(123, 0)).toBe(false); // not an epoch time
    expect(c.offer(T, -1)).toBe(false); // no round trip known
    expect(c.offer(T, 400)).toBe(true);
    expect(c.now()).toBe(T + 200);
    expect(c.error()).toBe(200);
    b.advance(60_000);
    expect(c.now()).toBe(T + 200 + 60_000);
    expect(c.error()).toBeCloseTo(200 + 60_000 * DRIFT, 6);
  });

  it("an ack kept by the broker through a week's outage is refused: its bound (half the week) is worse than the clock's", () => {
    const b = board();
    const c = new NodeClock(b.clock);
    c.offer(T, 100);
    // The message was first sent at T, the link went down, the gateway's ack (made at T + 50)
    // arrives a week later.
    b.advance(7 * DAY);
    expect(c.offer(T + 50, 7 * DAY)).toBe(false);
    expect(c.refused).toBe(1);
    expect(c.now()).toBe(T + 50 + 7 * DAY);
    // A fresh ack (sent 800 ms ago) is taken and corrects the drift.
    expect(c.offer(T + 7 * DAY + 3000, 800)).toBe(true);
    expect(c.now()).toBe(T + 7 * DAY + 3400);
  });

  it("follows a gateway whose clock was stepped, on the first precise sample", () => {
    const b = board();
    const c = new NodeClock(b.clock);
    c.offer(T, 0);
    b.advance(1000);
    expect(c.offer(T + 1000 + 2 * HOUR, 2 * GOOD_MS)).toBe(true);
    expect(c.now()).toBe(T + 1000 + 2 * HOUR + GOOD_MS);
  });

  it("before any precise sample, takes a less imprecise one", () => {
    const b = board();
    const c = new NodeClock(b.clock);
    expect(c.offer(T, 10 * 60_000)).toBe(true); // ±5 min: better than uptime
    b.advance(60_000);
    expect(c.offer(T + 60_000, 20 * 60_000)).toBe(false); // ±10 min: worse
    expect(c.offer(T + 60_000, 60_000)).toBe(true); // ±30 s: better
    expect(c.error()).toBe(30_000);
  });
});
