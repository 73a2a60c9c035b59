import { afterEach, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { startMosquitto, type Mosquitto } from "../support/mosquitto";
import { tempDir } from "../support/tmp";
import { startGateway } from "../../gateway/test/support/gateway-fixture";
import { waitFor } from "../../gateway/test/support/wait";
import type { Gateway } from "../../gateway/src/gateway";
import { systemClock } from "../../gateway/src/clock";
import { RamStore } from "../../firmware/src/buffer/ram-store";
import { Uplink } from "../../firmware/src/buffer/uplink";

/**
 * ../shared/anchors.md: "Brokers drop QoS 1 messages to a slow subscriber once its queue is
 * full (mosquitto's max_queued_messages)". The broker PUBACKs the node and then never delivers
 * the message to the gateway; when a later message of the same node does arrive, a cumulative
 * ack of it covers the dropped one and the node deletes a message the gateway never had.
 *
 * Here: mosquitto with a small queue (20 messages, 4 in flight, standing for the default 1000
 * with a farm of many nodes), the gateway as its client, and twelve nodes running the
 * firmware's own Uplink (window, in-flight limit, ack timeout and rewind) over a RAM store, each
 * with a 100-message backlog (as after an outage), all sending at once. The broker is seen to
 * drop messages (its log says so), and every message still ends up stored exactly once with no
 * gap: the gateway only acks what the node's predecessor chain proves complete, and the nodes
 * resend what was not acked.
 */
const NODES = 12;
const BACKLOG = 100;
const PER_MSG = 10;
const T0 = Date.UTC(2026, 5, 1);

let mosq: Mosquitto | null = null;
let gw: Gateway | null = null;
const tmp = tempDir("e2e-drops-");
const clients: MqttClient[] = [];
const timers: ReturnType<typeof setInterval>[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
  await gw?.stop();
  await mosq?.stop();
  tmp.cleanup();
});

interface TestNode {
  id: string;
  store: RamStore;
  uplink: Uplink;
}

function message(node: string, b: number, s: number): string {
  const r: unknown[] = [];
  for (let i = 0; i < PER_MSG; i++) r.push([`lvl.p${i}`, T0 + s * 60_000, s + i / 100, 0]);
  return JSON.stringify({ v: 1, n: node, b, s, t: T0 + s * 60_000, cs: 1, up: s * 60_000, r });
}

async function startNode(url: string, id: string): Promise<TestNode> {
  const store = new RamStore(10_000, 10_000_000);
  for (let s = 1; s <= BACKLOG; s++) store.push({ b: 3, s, d: message(id, 3, s) });
  const client = await mqtt.connectAsync(url, { clientId: id, clean: true, reconnectPeriod: 0 });
  clients.push(client);
  const up = `manure/demo/node/${id}/up`;
  const uplink = new Uplink(
    store,
    (payload, done) => {
      if (!client.connected) return false;
      client.publish(up, payload, { qos: 1 }, (err) => done(!err));
      return true;
    },
    systemClock,
    // The firmware's defaults except the ack timeout (60 s on a node), short for the test.
    { window: 16, inflight: 4, ackTimeout: 1500 },
  );
  client.on("message", (_topic, payload) => {
    const a = JSON.parse(payload.toString()) as { b: number; s: number };
    uplink.ack(a.b, a.s);
  });
  await client.subscribeAsync(`manure/demo/node/${id}/ack`, { qos: 1 });
  timers.push(setInterval(() => uplink.tick(), 200));
  return { id, store, uplink };
}

it("messages a full broker queue dropped are resent, never acked away: all stored once, no gap", async () => {
  mosq = await startMosquitto({ extraConfig: ["max_queued_messages 20", "max_inflight_messages 4"] });
  gw = await startGateway(tmp.dir, { mqtt: { external: { url: mosq.url } } });
  const nodes: TestNode[] = [];
  for (let i = 0; i < NODES; i++) nodes.push(await startNode(mosq.url, `pit-${i + 1}`));
  for (const n of nodes) n.uplink.setOnline(true);

  await waitFor(() => nodes.every((n) => n.store.size() === 0), "every node's backlog acked", 150_000);

  // The broker did drop messages on the way to the gateway (what this test is about).
  expect(mosq.log()).toMatch(/Outgoing messages are being dropped/);
  // Nothing lost, nothing twice: every (node, boot, seq) once, every reading once.
  const gaps = gw.store.sequenceGaps();
  if (process.env.DROPS_DEBUG) console.log("lost", gaps.reduce((n, g) => n + g.to - g.from + 1, 0), "messages in", gaps.length, "gaps; rewinds", nodes.reduce((n, x) => n + x.uplink.rewinds, 0), "sent", nodes.reduce((n, x) => n + x.uplink.sent, 0));
  expect(gaps).toEqual([]);
  const counts = gw.store.tableCounts();
  expect(counts.messages).toBe(NODES * BACKLOG);
  expect(counts.readings).toBe(NODES * BACKLOG * PER_MSG);
  for (const n of nodes) expect(n.store.dropped()).toBe(0);
  // What operators see of it: messages held back unacked until their predecessor came.
  expect(gw.metrics.value("gateway_unlinked_messages_total")).toBeGreaterThan(0);
}, 180_000);
