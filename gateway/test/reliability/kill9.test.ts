import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import { tempDir } from "../../../test/support/tmp";
import { spawnGateway, writeProcessConfig, type GatewayProcess } from "../support/gateway-process";
import { SimNode } from "../support/sim-node";
import { expectAckedStoredOnce } from "../support/acked-stored";
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
  expectAckedStoredOnce(join(tmp.dir, "gateway.db"), node);
});
