import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "../../../test/support/tmp";
import { spawnGateway, writeProcessConfig, type GatewayProcess } from "../support/gateway-process";
import { SimNode } from "../support/sim-node";
import { expectAckedStoredOnce } from "../support/acked-stored";
import { PowerCut } from "../support/power-cut/power-cut";
import { waitFor } from "../support/wait";

/**
 * ../shared/anchors.md (Telegraf: the disk buffer is "not a way to guarantee data safety in the
 * event of a crash"); docs/data-loss-cases.md row 10. kill9.test.ts kills the process, but the
 * kernel's page cache survives that. Here the host loses power: everything the gateway wrote
 * and did not fsync is gone (support/power-cut/power-cut.c). A node deletes what the gateway
 * acks, so an acked message lost this way is lost for good.
 */
let tmp: ReturnType<typeof tempDir>;
let gp: GatewayProcess | null = null;

beforeEach(() => {
  tmp = tempDir("gw-power-cut-");
});
afterEach(async () => {
  await gp?.kill9();
  tmp.cleanup();
});

const ROUNDS = Number(process.env.POWERCUT_ROUNDS ?? 10);

/** One round: power on, ingest until a new ack and a random while more, then the power goes. Returns the files the cut changed. */
async function round(pc: PowerCut, cfgFile: string, node: SimNode, label: string): Promise<string[]> {
  pc.powerOn();
  gp = await spawnGateway(cfgFile, 30_000, undefined, pc.env());
  await node.connect(gp.mqttPort);
  const ackedBefore = node.acked;
  await waitFor(() => node.acked > ackedBefore, `an ack in ${label}`, 60_000);
  await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 700)));
  await gp.kill9();
  gp = null;
  await node.disconnect();
  return pc.cut();
}

it(`synchronous FULL: the power cut ${ROUNDS} times at random moments while a node publishes at full rate; every acked reading is stored exactly once`, { timeout: 600_000 }, async () => {
  const cfgFile = writeProcessConfig(tmp.dir);
  const pc = new PowerCut(tmp.dir, join(tmp.dir, "gateway.db"));
  const node = new SimNode("pit-1", "pw-1", 3, 5);
  const walCut: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const changed = await round(pc, cfgFile, node, `round ${r}`);
    if (changed.includes("gateway.db-wal")) walCut.push(r);
  }
  console.log(`power-cut FULL: ${ROUNDS} cuts, ${node.acked} messages acked, the cut discarded WAL writes in rounds [${walCut.join(", ")}]`);
  expect(node.acked).toBeGreaterThan(ROUNDS);
  expectAckedStoredOnce(join(tmp.dir, "gateway.db"), node);
});

// The counterpart: the model bites. With synchronous NORMAL the WAL is synced only at a
// checkpoint (https://sqlite.org/pragma.html#pragma_synchronous), so the same cut loses what
// the gateway had acked since the last one. If this ever passes with no loss, the shim models
// nothing and the test above proves nothing.
it("synchronous NORMAL: the same power cut loses messages the gateway had acked", { timeout: 120_000 }, async () => {
  const cfgFile = writeProcessConfig(tmp.dir, { store: { groupCommitMs: 10, synchronous: "NORMAL" } });
  const pc = new PowerCut(tmp.dir, join(tmp.dir, "gateway.db"));
  const node = new SimNode("pit-1", "pw-1", 3, 5);
  // A farm's database that exists already: created, and closed cleanly (its schema in the file).
  gp = await spawnGateway(cfgFile);
  expect(await gp.stop()).toBe(0);
  gp = null;
  const changed = await round(pc, cfgFile, node, "the NORMAL round");
  expect(changed).toContain("gateway.db-wal");
  const db = new Database(join(tmp.dir, "gateway.db"), { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const { n } = db.prepare("SELECT COUNT(*) AS n FROM messages WHERE node = 'pit-1' AND boot = 3 AND seq <= ?").get(node.acked) as { n: number };
    console.log(`power-cut NORMAL: ${node.acked} messages acked, ${n} of them on disk after the cut`);
    expect(n).toBeLessThan(node.acked);
  } finally {
    db.close();
  }
});
