import { describe, expect, it } from "vitest";
import type { Clock } from "@manure-edge/protocol";
import { VirtualClock } from "./virtual-clock";

describe("VirtualClock", () => {
  it("fires timers in due order, ties in insertion order, and leaves now() at the target", () => {
    const c = new VirtualClock({ start: 1000 });
    const log: string[] = [];
    c.setTimeout(() => log.push(`b@${c.now()}`), 20);
    c.setTimeout(() => log.push(`a@${c.now()}`), 10);
    c.setTimeout(() => log.push(`c@${c.now()}`), 20);
    c.setTimeout(() => log.push(`zero@${c.now()}`), 0);
    c.advance(15);
    expect(log).toEqual(["zero@1000", "a@1010"]);
    expect(c.now()).toBe(1015);
    c.advance(100);
    expect(log).toEqual(["zero@1000", "a@1010", "b@1020", "c@1020"]);
    expect(c.now()).toBe(1115);
  });

  it("runs intervals on their own schedule and stops them when cleared", () => {
    const c = new VirtualClock({ start: 0 });
    const times: number[] = [];
    const h = c.setInterval(() => {
      times.push(c.now());
      if (times.length === 3) c.clearInterval(h);
    }, 60_000);
    c.advance(600_000);
    expect(times).toEqual([60_000, 120_000, 180_000]);
    expect(c.pending).toBe(0);
  });

  it("clearTimeout removes a timer and timers scheduled from a callback at the same instant run after", () => {
    const c = new VirtualClock({ start: 0 });
    const log: string[] = [];
    const t = c.setTimeout(() => log.push("cleared"), 5);
    c.setTimeout(() => {
      log.push("first");
      c.setTimeout(() => log.push("nested"), 0);
    }, 5);
    c.setTimeout(() => log.push("second"), 5);
    c.clearTimeout(t);
    c.clearTimeout(undefined);
    c.advance(5);
    expect(log).toEqual(["first", "second", "nested"]);
  });

  it("runUntil as fast as possible runs a month of 60 s ticks and ends at the target", async () => {
    const c = new VirtualClock({ start: 0, yieldEvery: 1000 });
    let ticks = 0;
    c.setInterval(() => ticks++, 60_000);
    await c.runUntil(30 * 86_400_000);
    expect(ticks).toBe(30 * 1440);
    expect(c.now()).toBe(30 * 86_400_000);
  });

  it("holds still while real I/O is in flight and moves on when it completes", async () => {
    const c = new VirtualClock({ start: 0 });
    const fired: number[] = [];
    let ticket: (() => void) | undefined;
    c.setTimeout(() => {
      fired.push(c.now());
      ticket = c.io.begin(); // a message handed to a real socket
      setTimeout(() => ticket!(), 30); // arrives 30 real ms later
    }, 10);
    c.setTimeout(() => fired.push(c.now()), 20);
    await c.runUntil(100);
    expect(fired).toEqual([10, 20]);
    expect(c.stats.ioWaits).toBe(1);
    expect(c.stats.ioWaitTimeouts).toBe(0);
    expect(c.stats.ioWaitWallMs).toBeGreaterThanOrEqual(20);
    expect(c.io.count).toBe(0);
  });

  it("gives up a lost message after the bounded wait, counts it, and does not hang", async () => {
    const c = new VirtualClock({ start: 0, ioWaitLimitMs: 50 });
    let fired = 0;
    let lost: (() => void) | undefined;
    c.setTimeout(() => {
      lost = c.io.begin(); // never completed
    }, 1);
    c.setTimeout(() => fired++, 2);
    await c.runUntil(10);
    expect(fired).toBe(1);
    expect(c.stats.ioWaitTimeouts).toBe(1);
    expect(c.io.abandoned).toBe(1);
    lost!(); // completes after all: late, not unbalanced
    expect(c.io.lateEnds).toBe(1);
    expect(c.io.count).toBe(0);
  });

  it("track() counts a promise in flight until it settles, also when it rejects", async () => {
    const c = new VirtualClock({ start: 0 });
    const p = c.io.track(Promise.reject(new Error("socket closed")));
    expect(c.io.count).toBe(1);
    await expect(p).rejects.toThrow("socket closed");
    await c.io.idle();
    expect(c.io.count).toBe(0);
  });

  it("accelerated mode paces virtual time against the wall clock", async () => {
    // A fake wall clock driven by the virtual clock's own sleeps would prove nothing: use a
    // real one, with a factor that keeps the test short (1 virtual s per 10 wall ms).
    const c = new VirtualClock({ start: 0, mode: { kind: "accelerated", factor: 100 } });
    const wallAtFire: number[] = [];
    const started = Date.now();
    for (let i = 1; i <= 5; i++) c.setTimeout(() => wallAtFire.push(Date.now() - started), i * 1000);
    await c.runUntil(5000);
    expect(wallAtFire).toHaveLength(5);
    // 5 virtual seconds at ×100 take at least 50 wall ms; each timer fires no earlier than its pace.
    for (let i = 0; i < 5; i++) expect(wallAtFire[i]).toBeGreaterThanOrEqual((i + 1) * 10 - 2);
    expect(c.now()).toBe(5000);
  });

  it("now() follows the wall clock between timers in paced mode, and a timer set then fires in order", async () => {
    let wall = 0;
    const pending: Array<{ at: number; fn: () => void }> = [];
    // A controllable wall clock: its timers fire when the test moves `wall`.
    const fakeWall: Clock = {
      now: () => wall,
      setTimeout: (fn, ms) => {
        const e = { at: wall + ms, fn };
        pending.push(e);
        return e;
      },
      clearTimeout: (h) => {
        const i = pending.indexOf(h as (typeof pending)[number]);
        if (i >= 0) pending.splice(i, 1);
      },
      setInterval: () => 0,
      clearInterval: () => undefined,
    };
    const c = new VirtualClock({ start: 0, mode: { kind: "realtime" }, wall: fakeWall });
    const log: string[] = [];
    c.setTimeout(() => log.push(`late@${c.now()}`), 1000);
    const run = c.runUntil(2000);
    await new Promise((r) => setImmediate(r));
    wall = 400; // a socket callback arrives 400 wall ms in
    expect(c.now()).toBe(400);
    c.setTimeout(() => log.push(`early@${c.now()}`), 100);
    await new Promise((r) => setImmediate(r));
    const fireDue = async (until: number) => {
      for (let step = 0; step < 100 && wall < until; step++) {
        wall = Math.min(until, Math.min(...pending.map((p) => p.at)));
        for (const p of pending.filter((p) => p.at <= wall)) {
          pending.splice(pending.indexOf(p), 1);
          p.fn();
        }
        await new Promise((r) => setImmediate(r));
      }
    };
    await fireDue(2000);
    await run;
    expect(log).toEqual(["early@500", "late@1000"]);
    expect(c.now()).toBe(2000);
  });

  it("stop() ends a realtime run that has nothing scheduled", async () => {
    const c = new VirtualClock({ start: 0, mode: { kind: "realtime" } });
    const run = c.runUntil(Infinity);
    await new Promise((r) => setImmediate(r));
    expect(c.isRunning).toBe(true);
    c.stop();
    await run;
    expect(c.isRunning).toBe(false);
  });

  it("rejects a bad acceleration factor and a second concurrent run", async () => {
    expect(() => new VirtualClock({ mode: { kind: "accelerated", factor: 0 } })).toThrow(/factor/);
    const c = new VirtualClock({ start: 0, mode: { kind: "realtime" } });
    const run = c.runUntil(Infinity);
    await expect(c.runUntil(10)).rejects.toThrow(/already running/);
    expect(() => c.advance(1)).toThrow(/in progress/);
    c.stop();
    await run;
  });

  it("a throwing callback is counted and surfaces through runUntil by default", async () => {
    const c = new VirtualClock({ start: 0 });
    c.setTimeout(() => {
      throw new Error("boom");
    }, 1);
    await expect(c.runUntil(5)).rejects.toThrow("boom");
    expect(c.stats.errors).toBe(1);
    const seen: unknown[] = [];
    const d = new VirtualClock({ start: 0, onError: (e) => seen.push(e) });
    d.setTimeout(() => {
      throw new Error("kept going");
    }, 1);
    let after = false;
    d.setTimeout(() => (after = true), 2);
    await d.runUntil(5);
    expect(seen).toHaveLength(1);
    expect(after).toBe(true);
  });
});
