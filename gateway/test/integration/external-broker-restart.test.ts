import { afterEach, expect, it } from "vitest";
import mqtt from "mqtt";
import { freePort } from "../../../test/support/ports";
import { startMosquitto, type Mosquitto } from "../../../test/support/mosquitto";
import { tempDir } from "../../../test/support/tmp";
import { startGateway, TestNode, up } from "../support/gateway-fixture";
import type { Gateway } from "../../src/gateway";

/**
 * ../shared/anchors.md (Node-RED: "client stuck after an outage"): the farm's mosquitto is
 * restarted (an upgrade, a reboot of the box) while the gateway runs as its client. The broker
 * keeps no sessions across the restart (persistence off), so the gateway must reconnect and
 * subscribe again by itself; a node publishing after the restart is stored and acked.
 */
const T = Date.UTC(2026, 2, 1);
let gw: Gateway | null = null;
let mosq: Mosquitto | null = null;
const nodes: TestNode[] = [];
const tmp = tempDir("gw-ext-restart-");

afterEach(async () => {
  for (const n of nodes.splice(0)) await n.end().catch(() => undefined);
  await gw?.stop();
  await mosq?.stop();
  tmp.cleanup();
});

async function nodeOn(port: number): Promise<TestNode> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: "pit-1-" + Math.random().toString(16).slice(2), reconnectPeriod: 0 });
  const n = new TestNode(c, "pit-1");
  nodes.push(n);
  await c.subscribeAsync("manure/demo/node/pit-1/ack", { qos: 1 });
  return n;
}

it("after the external broker restarts, the gateway subscribes again and ingests what nodes publish", async () => {
  const port = await freePort();
  const conf = [`listener ${port} 127.0.0.1`];
  mosq = await startMosquitto({ extraConfig: conf });
  gw = await startGateway(tmp.dir, { mqtt: { external: { url: `mqtt://127.0.0.1:${port}` } } });
  let n = await nodeOn(port);
  await n.publishUp(up("pit-1", 1, 1, [["lvl.distance", T, 1, 0]], { p: 0 }));
  await n.waitAck(1, 1);

  await n.end();
  nodes.splice(0);
  await mosq.stop();
  mosq = await startMosquitto({ extraConfig: conf });

  n = await nodeOn(port);
  // The node resends until acked, as the firmware does (its ack timeout, shortened here).
  const deadline = Date.now() + 60_000;
  let acked = false;
  n.waitAck(1, 2).then(() => (acked = true), () => undefined);
  while (!acked) {
    if (Date.now() > deadline) throw new Error("no ack from the gateway after the broker restart");
    await n.publishUp(up("pit-1", 1, 2, [["lvl.distance", T + 60_000, 2, 0]], { p: [1, 1] }));
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(gw.store.tableCounts().readings).toBe(2);
  expect(gw.store.sequenceGaps()).toEqual([]);
}, 120_000);

it("starts while the external broker is down (panel and API up, retrying), and ingests once it comes", async () => {
  const port = await freePort();
  gw = await startGateway(tmp.dir, { mqtt: { external: { url: `mqtt://127.0.0.1:${port}` } } });
  expect(gw.metrics.value("gateway_external_broker_connected")).toBe(0);
  const health = await fetch(`http://127.0.0.1:${gw.http.port}/api/v1/health`);
  expect(health.status).toBe(200);

  mosq = await startMosquitto({ extraConfig: [`listener ${port} 127.0.0.1`] });
  const deadline = Date.now() + 60_000;
  while (gw.metrics.value("gateway_external_broker_connected") !== 1) {
    if (Date.now() > deadline) throw new Error("the gateway did not connect to the broker");
    await new Promise((r) => setTimeout(r, 100));
  }
  const n = await nodeOn(port);
  let acked = false;
  n.waitAck(1, 1).then(() => (acked = true), () => undefined);
  // The subscription went out when the gateway connected; a node resends until acked anyway.
  while (!acked) {
    if (Date.now() > deadline) throw new Error("no ack from the gateway");
    await n.publishUp(up("pit-1", 1, 1, [["lvl.distance", T, 1, 0]], { p: 0 }));
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(gw.store.tableCounts().readings).toBe(1);
}, 120_000);
