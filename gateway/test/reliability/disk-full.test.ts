import { afterEach, beforeEach, expect, it } from "vitest";
import { tempDir } from "../../../test/support/tmp";
import { startGateway } from "../support/gateway-fixture";
import { SimNode } from "../support/sim-node";
import { waitFor } from "../support/wait";
import type { Gateway } from "../../src/gateway";

let tmp: ReturnType<typeof tempDir>;
let gw: Gateway | null = null;
let node: SimNode | null = null;

beforeEach(() => {
  tmp = tempDir("gw-full-");
});
afterEach(async () => {
  await node?.disconnect();
  await gw?.stop();
  tmp.cleanup();
});

it("disk full (max_page_count): stops acking and says why, the node keeps buffering, nothing is lost after space returns", { timeout: 300_000 }, async () => {
  // A small commit queue so that it overflows while the disk is full: the refused messages
  // must not be covered by a later cumulative ack (the node is disconnected to resend them).
  gw = await startGateway(tmp.dir, { store: { groupCommitMs: 5, queueMax: 200, maxPageCount: 120 } });
  node = new SimNode("pit-1", "pw-pit-1", 1, 10, 5000);
  await node.connect(gw.mqttPort);
  await waitFor(() => !gw!.health().ok, "the store to fill up", 60_000);
  const h = gw.health();
  expect(h.store.reason).toMatch(/SQLITE_FULL/);
  expect(gw.metrics.render()).toMatch(/gateway_store_ok\{reason="SQLITE_FULL[^"]*"\} 0/);
  const ackedAtFull = node.acked;
  const stored = gw.store.tableCounts().messages;
  expect(ackedAtFull).toBeLessThanOrEqual(stored);
  // The node keeps producing; nothing more is acked while the disk is full.
  await waitFor(() => node!.sent > stored + 600, "the node to buffer more", 60_000);
  expect(node.acked).toBe(ackedAtFull);
  expect(gw.queue.depth).toBeLessThanOrEqual(200);
  expect(gw.metrics.value("gateway_messages_refused_total")).toBeGreaterThan(0);

  // Space returns. The node stops producing and must get everything acked, reconnecting
  // when it stalls (the gateway disconnects it once to make it resend what was refused).
  gw.store.setMaxPageCount(1_000_000);
  await waitFor(() => gw!.health().ok, "recovery", 60_000);
  node.producing = false;
  const total = node.sent;
  while (node.acked < total) {
    try {
      await waitFor(() => node!.acked >= total, "acks", 3000);
    } catch {
      await node.disconnect();
      await node.connect(gw.mqttPort);
    }
  }
  expect(node.pending).toEqual([]);
  await node.disconnect();
  const acked = node.acked;
  expect(acked).toBe(total);
  const row = gw.store.db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT seq) AS d, MAX(seq) AS hi FROM messages WHERE node = 'pit-1' AND seq <= ?").get(acked) as Record<string, number>;
  expect(row).toEqual({ n: acked, d: acked, hi: acked });
  expect(gw.store.sequenceGaps()).toEqual([]);
  expect(gw.store.integrityCheck()).toBe("ok");
});
