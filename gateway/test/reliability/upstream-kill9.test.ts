import { afterEach, beforeEach, expect, it } from "vitest";
import { join } from "node:path";
import Database from "better-sqlite3";
import mqtt, { type MqttClient } from "mqtt";
import { tempDir } from "../../../test/support/tmp";
import { startMosquitto, type Mosquitto } from "../../../test/support/mosquitto";
import { spawnGateway, writeProcessConfig, type GatewayProcess } from "../support/gateway-process";
import { SimNode } from "../support/sim-node";
import { waitFor } from "../support/wait";
import type { UpstreamBatch } from "../../src/features/upstream-payload";

/**
 * ../shared/anchors.md (Node-RED: "MQTT out buffers in RAM only"; ThingsBoard: "SQLite buffer
 * recreated on reconnect"): the gateway is killed with SIGKILL at random moments while a node
 * publishes and the county link drains to mosquitto. After a last restart every reading the
 * gateway stored reaches the county consumer, and anything it received twice came in a batch
 * with the same id as before (a re-delivery the consumer can recognise and drop).
 */
let tmp: ReturnType<typeof tempDir>;
let gp: GatewayProcess | null = null;
let mosq: Mosquitto | null = null;
let consumer: MqttClient | null = null;

beforeEach(() => {
  tmp = tempDir("gw-up-kill9-");
});
afterEach(async () => {
  await gp?.kill9();
  await consumer?.endAsync(true);
  await mosq?.stop();
  tmp.cleanup();
});

const ROUNDS = Number(process.env.KILL9_ROUNDS ?? 8);

it(`kill -9 ${ROUNDS} times while the county link drains: every stored reading reaches the county, re-deliveries keep their batch id`, { timeout: 600_000 }, async () => {
  mosq = await startMosquitto({ extraConfig: ["max_queued_messages 0"] });
  // What the county receives: reading seq -> the ids of the batches that carried it.
  const got = new Map<number, Set<string>>();
  const ids = new Map<string, string>();
  let changedBatch = 0;
  let redelivered = 0;
  let newest = 0;
  consumer = await mqtt.connectAsync(mosq.url, { clientId: "county", clean: false, reconnectPeriod: 0 });
  consumer.on("message", (_t, payload) => {
    const b = JSON.parse(payload.toString()) as UpstreamBatch;
    // The same id must always mean the same content.
    const body = JSON.stringify([b.first, b.last, b.r, b.a, b.l]);
    if (ids.has(b.id)) redelivered++;
    if (ids.has(b.id) && ids.get(b.id) !== body) changedBatch++;
    ids.set(b.id, body);
    for (const r of b.r) {
      got.set(r[0], (got.get(r[0]) ?? new Set()).add(b.id));
      if (r[0] > newest) newest = r[0];
    }
  });
  await consumer.subscribeAsync("manure/demo/gw/gw1/data", { qos: 1 });

  const cfgFile = writeProcessConfig(tmp.dir, {
    // A rate limit below the node's pace, so that a backlog builds up on the county link.
    upstream: { url: mosq.url, batchSize: 40, window: 4, maxPerSecond: 1000, backoff: { minMs: 100, maxMs: 1000 } },
  });
  const node = new SimNode("pit-1", "pw-1", 3, 5);
  let peek: Database.Database | null = null;
  // Readings stored (committed) beyond the newest one the county has: the backlog a kill interrupts.
  const backlog = () => ((peek!.prepare("SELECT MAX(id) AS m FROM readings").get() as { m: number | null }).m ?? 0) - newest;
  let killedWithBacklog = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      gp = await spawnGateway(cfgFile);
      peek ??= new Database(join(tmp.dir, "gateway.db"), { readonly: true });
      await node.connect(gp.mqttPort);
      // Kill at a random moment, the first one after it at which stored readings wait for the county link.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 500)));
      await waitFor(() => backlog() > 0, `a backlog on the county link in round ${round}`, 60_000);
      if (backlog() > 0) killedWithBacklog++;
      await gp.kill9();
      gp = null;
      await node.disconnect();
    }
  } finally {
    peek?.close();
  }
  expect(killedWithBacklog).toBeGreaterThanOrEqual(Math.ceil(ROUNDS / 2));

  // Last start: the node only resends what is unacked; the link drains the rest.
  node.producing = false;
  gp = await spawnGateway(cfgFile);
  await node.connect(gp.mqttPort);
  await waitFor(() => node.pending.length === 0, "the node's backlog acked", 60_000);
  const db = new Database(join(tmp.dir, "gateway.db"), { readonly: true });
  try {
    const stored = (db.prepare("SELECT id FROM readings ORDER BY id").all() as { id: number }[]).map((r) => r.id);
    expect(stored.length).toBe(node.acked * 5);
    await waitFor(() => stored.every((s) => got.has(s)), "every stored reading at the county", 120_000);
    // Nothing reached the county that the gateway did not store.
    const storedSet = new Set(stored);
    expect([...got.keys()].filter((s) => !storedSet.has(s))).toEqual([]);
  } finally {
    db.close();
  }
  // A reading received twice came again in a batch with the same id, never under a new id.
  const twiceUnderNewId = [...got.entries()].filter(([, batchIds]) => batchIds.size > 1);
  expect(twiceUnderNewId).toEqual([]);
  expect(changedBatch).toBe(0);
  if (process.env.KILL9_DEBUG) console.log("batches", ids.size, "re-delivered", redelivered, "readings", got.size, "kills with backlog", killedWithBacklog);
});
