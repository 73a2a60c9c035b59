import { describe, expect, it } from "vitest";
import { ManualClock } from "../../test/support/manual-clock";
import { RateLimiter } from "./rate-limit";

describe("RateLimiter", () => {
  it("allows a burst, then one attempt per refill period, per address", () => {
    const clock = new ManualClock();
    const rl = new RateLimiter(clock, { burst: 3, refillMs: 1000, maxEntries: 100 });
    expect([rl.take("a").ok, rl.take("a").ok, rl.take("a").ok]).toEqual([true, true, true]);
    const no = rl.take("a");
    expect(no).toEqual({ ok: false, retryAfterMs: 1000 });
    expect(rl.take("b").ok).toBe(true);
    clock.advance(999);
    expect(rl.take("a")).toEqual({ ok: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(rl.take("a").ok).toBe(true);
    expect(rl.take("a").ok).toBe(false);
    clock.advance(10_000);
    expect([rl.take("a").ok, rl.take("a").ok, rl.take("a").ok, rl.take("a").ok]).toEqual([true, true, true, false]);
  });

  it("remembers at most maxEntries addresses, forgetting the least recently used", () => {
    const clock = new ManualClock();
    const rl = new RateLimiter(clock, { burst: 1, refillMs: 60_000, maxEntries: 50 });
    expect(rl.take("keep").ok).toBe(true);
    for (let i = 0; i < 10_000; i++) {
      rl.take("ip" + i);
      if (i % 10 === 0) rl.take("keep");
    }
    expect(rl.size).toBe(50);
    // "keep" was used recently, so it is still limited; an early address was forgotten.
    expect(rl.take("keep").ok).toBe(false);
    expect(rl.take("ip0").ok).toBe(true);
  });
});
