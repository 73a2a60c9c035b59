import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "../../../test/support/tmp";
import { spawnGateway, writeProcessConfig, type GatewayProcess } from "../support/gateway-process";
import { SimNode } from "../support/sim-node";
import { waitFor } from "../support/wait";

let tmp: ReturnType<typeof tempDir>;
let gp: GatewayProcess | null = null;

beforeEach(() => {
  tmp = tempDir("gw-kill9-");
});
afterEach(async () => {
  await gp?.kill9();
  tmp.cleanup();
});

const ROUNDS = Number(process.env.KILL9_ROUNDS ?? 20);

it(`kill -9 at random moments, ${ROUNDS} times, while a node publishes at full rate: every acked reading is stored exactly once`, { timeout: 600_000 }, async () => {
  const cfgFile = writeProcessConfig(tmp.dir);
  const node = new SimNode("pit-1", "pw-1", 3, 5);
  let lastAcked = 0;
  let killedMidFlight = 0;
  for (let round = 0; round < ROUNDS; round++) {
    gp = await spawnGateway(cfgFile);
    await node.connect(gp.mqttPort);
    // Let it ingest for a random while, at least until something new is acked.
    const ackedBefore = node.acked;
    await waitFor(() => node.acked > ackedBefore, `an ack in round ${round}`, 60_000);
    await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 700)));
    if (node.sent > node.acked) killedMidFlight++;
    await gp.kill9();
    gp = null;
    await node.disconnect();
    expect(node.acked).toBeGreaterThanOrEqual(lastAcked);
    lastAcked = node.acked;
  }
  expect(node.acked).toBeGreaterThan(ROUNDS);
  // The kills hit while messages were sent and not yet acked (otherwise the test proves little).
  expect(killedMidFlight).toBeGreaterThanOrEqual(Math.ceil(ROUNDS / 2));
  const db = new Database(join(tmp.dir, "gateway.db"));
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const acked = node.acked;
    // Every acked message is there exactly once, with all its readings.
    const msgs = db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT seq) AS d, MIN(seq) AS lo, MAX(seq) AS hi FROM messages WHERE node = 'pit-1' AND boot = 3 AND seq <= ?").get(acked) as Record<string, number>;
    expect(msgs).toEqual({ n: acked, d: acked, lo: 1, hi: acked });
    const readings = db.prepare(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT s.key || '@' || r.t) AS d FROM readings r JOIN sensors s ON s.id = r.sensor_id JOIN messages m ON m.id = r.message_id
       WHERE m.node = 'pit-1' AND m.boot = 3 AND m.seq <= ?`,
    ).get(acked) as Record<string, number>;
    expect(readings).toEqual({ n: acked * 5, d: acked * 5 });
    // And nothing at all is stored twice, acked or not.
    const dup = db.prepare("SELECT COUNT(*) AS n FROM (SELECT sensor_id, t FROM readings GROUP BY sensor_id, t HAVING COUNT(*) > 1)").get() as { n: number };
    expect(dup.n).toBe(0);
  } finally {
    db.close();
  }
});
