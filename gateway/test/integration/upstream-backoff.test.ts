import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import { tempDir } from "../../../test/support/tmp";
import { freePort } from "../../../test/support/ports";
import { ManualClock } from "../support/manual-clock";
import { waitFor } from "../support/wait";
import { Store } from "../../src/store/store";
import { EventBus } from "../../src/bus";
import { Metrics } from "../../src/metrics";
import { silentLogger } from "../../src/log";
import { Upstream } from "../../src/features/upstream";
import { parseConfig } from "../../src/config/load";

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir("gw-backoff-");
});
afterEach(() => tmp.cleanup());

/** Times (simulated) at which the upstream tried to connect, with a given random source. */
async function attemptTimes(random: () => number, count: number): Promise<number[]> {
  const clock = new ManualClock(0);
  const store = new Store({ path: join(tmp.dir, `g-${Math.random()}.db`), synchronous: "FULL", clock });
  store.open();
  const port = await freePort(); // nothing listens there
  const cfg = parseConfig({ upstream: { url: `mqtt://127.0.0.1:${port}`, backoff: { minMs: 1000, maxMs: 16_000 } } }).upstream!;
  const up = new Upstream(cfg, { base: "manure", farm: "demo", gateway: "gw" }, store, new EventBus(), clock, silentLogger, new Metrics(), random);
  const times: number[] = [];
  await up.start();
  while (times.length < count) {
    const n = up.connectAttempts;
    times.push(clock.now());
    // Wait (real time) for the refused connection to schedule the next attempt, then jump to it.
    await waitFor(() => clock.pending > 0, "reconnect timer");
    while (up.connectAttempts === n) clock.advance(50);
  }
  await up.stop();
  store.close();
  return times;
}

it("reconnects with exponential backoff, capped, with equal jitter", async () => {
  const low = await attemptTimes(() => 0, 7);
  const high = await attemptTimes(() => 0.999, 7);
  const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]);
  // Delay = cap/2 + random × cap/2, cap = min(maxMs, minMs × 2^attempt); the clock steps 50 ms.
  const lo = gaps(low);
  const hi = gaps(high);
  const caps = [1000, 2000, 4000, 8000, 16000, 16000];
  caps.forEach((cap, i) => {
    expect(lo[i]).toBeGreaterThanOrEqual(cap / 2);
    expect(lo[i]).toBeLessThanOrEqual(cap / 2 + 50);
    expect(hi[i]).toBeGreaterThanOrEqual(cap - 50);
    expect(hi[i]).toBeLessThanOrEqual(cap + 50);
  });
});
