import { afterEach, beforeEach, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { Q } from "@manure-edge/protocol";
import { tempDir } from "../../../test/support/tmp";
import { startMosquitto } from "../../../test/support/mosquitto";
import { startGateway, TestNode, up } from "../support/gateway-fixture";
import type { Gateway } from "../../src/gateway";
import { waitFor } from "../support/wait";

const T = Date.UTC(2026, 2, 1);
let tmp: ReturnType<typeof tempDir>;
let gw: Gateway;
const clients: TestNode[] = [];

beforeEach(() => {
  tmp = tempDir("gw-ingest-");
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  await gw?.stop();
  tmp.cleanup();
});

describe("MQTT ingest through the embedded broker", () => {
  it("stores, deduplicates and acks cumulatively after commit with gateway time", async () => {
    gw = await startGateway(tmp.dir);
    const n = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
    clients.push(n);
    for (let s = 1; s <= 20; s++) await n.publishUp(up("pit-1", 7, s, [["lvl.distance", T + s * 1000, 1 + s / 100, 0]]));
    const ack = await n.waitAck(7, 20);
    expect(ack.b).toBe(7);
    expect(ack.s).toBe(20);
    expect(ack.err).toBeUndefined();
    expect(Math.abs(ack.t - Date.now())).toBeLessThan(60_000);
    // Every ack is published after its data is in the database.
    expect(gw.store.tableCounts().readings).toBe(20);
    // Resend after a "lost ack": acked again, stored once.
    await n.publishUp(up("pit-1", 7, 5, [["lvl.distance", T + 5000, 1.05, 0]]));
    await n.publishUp(up("pit-1", 7, 21, [["lvl.distance", T + 21000, 1.21, 0]]));
    await n.waitAck(7, 21);
    expect(gw.store.tableCounts().readings).toBe(21);
    expect(gw.metrics.value("gateway_duplicates_total")).toBe(1);
    expect(gw.store.nodes()[0]).toMatchObject({ id: "pit-1", lastBoot: 7, duplicates: 1 });
  });

  it("never acks past a message that did not arrive (predecessor chain), across a restart too", async () => {
    gw = await startGateway(tmp.dir);
    let n = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
    clients.push(n);
    const r = (s: number) => [["lvl.distance", T + s * 1000, s, 0]];
    await n.publishUp(up("pit-1", 3, 1, r(1), { p: 0 }));
    await n.publishUp(up("pit-1", 3, 2, r(2), { p: [3, 1] }));
    expect(await n.waitAck(3, 2)).toMatchObject({ b: 3, s: 2 });
    // (3, 3) lost on the way: 4 and 5 are stored, not acked.
    await n.publishUp(up("pit-1", 3, 4, r(4), { p: [3, 3] }));
    await n.publishUp(up("pit-1", 3, 5, r(5), { p: [3, 4] }));
    await waitFor(() => gw.store.tableCounts().messages === 4, "4 and 5 stored");
    expect(gw.metrics.value("gateway_unlinked_messages_total")).toBe(2);
    // A message that links (a resend of 2) is acked with the frontier, still (3, 2).
    const before = n.acks.length;
    await n.publishUp(up("pit-1", 3, 2, r(2), { p: [3, 1] }));
    await waitFor(() => n.acks.length > before, "the resend acked");
    expect(n.acks.map((a) => [a.b, a.s]).at(-1)).toEqual([3, 2]);
    expect(n.acks.every((a) => a.b === 3 && a.s <= 2)).toBe(true);

    // Restart: the frontier (3, 2) was committed with the messages; the chain goes on from it.
    await n.end();
    clients.splice(0);
    await gw.stop();
    gw = await startGateway(tmp.dir);
    n = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
    clients.push(n);
    await n.publishUp(up("pit-1", 3, 3, r(3), { p: [3, 2] }));
    expect(await n.waitAck(3, 3)).toMatchObject({ b: 3, s: 3 });
    // 4 and 5 were not resent yet (the waiting list is in memory): acked once the node resends them.
    await n.publishUp(up("pit-1", 3, 4, r(4), { p: [3, 3] }));
    await n.publishUp(up("pit-1", 3, 5, r(5), { p: [3, 4] }));
    expect(await n.waitAck(3, 5)).toMatchObject({ b: 3, s: 5 });
    expect(gw.store.tableCounts().readings).toBe(5);
    expect(gw.store.sequenceGaps()).toEqual([]);
  });

  it("a node whose boot counter went back (Storage erased) reuses (boot, seq): its new messages are stored too, its resends still once", async () => {
    gw = await startGateway(tmp.dir);
    const n = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
    clients.push(n);
    for (let s = 1; s <= 3; s++) await n.publishUp(up("pit-1", 1, s, [["lvl.distance", T + s * 1000, s, 0]], { p: s === 1 ? 0 : [1, s - 1] }));
    await n.waitAck(1, 3);
    // Reflashed: boot 1 again, new messages made a day later (another t, other readings).
    const later = (s: number) => up("pit-1", 1, s, [["lvl.distance", T + 86_400_000 + s * 1000, 10 + s, 0]], { p: s === 1 ? 0 : [1, s - 1], t: T + 86_400_000 + s * 1000 });
    const before = n.acks.length;
    await n.publishUp(later(1));
    await n.publishUp(later(2));
    await n.publishUp(later(2)); // and a resend of the second
    await waitFor(() => n.acks.length > before && n.acks.at(-1)!.s === 2, "the new messages acked");
    expect(gw.store.tableCounts().readings).toBe(5);
    expect(gw.store.tableCounts().messages).toBe(5);
    expect(gw.metrics.value("gateway_boot_reuse_total")).toBe(2);
    expect(gw.metrics.value("gateway_duplicates_total")).toBe(1);
    const id = gw.store.sensorId("pit-1", "lvl.distance")!;
    expect(gw.store.rawReadings(id, 0, Number.MAX_SAFE_INTEGER).map((r) => r.value)).toEqual([1, 2, 3, 11, 12]);
  });

  it("rejects invalid messages with a reason, acks them with err, keeps the good ones", async () => {
    gw = await startGateway(tmp.dir);
    const n = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
    clients.push(n);
    await n.publishUp(up("pit-1", 1, 1, [["lvl.distance", T, 1.2, 0]]));
    await n.publishUp("{not json");
    await n.publishUp(up("pit-1", 1, 2, [["lvl.distance", T, "high", 0]]));
    await n.publishUp(up("pit-1", 1, 3, [["lvl.distance", T + 3, 1.3, 0]]));
    await n.waitAck(1, 3);
    const errAck = n.acks.find((a) => a.s === 2)!;
    expect(errAck.err).toMatch(/r\[0\]\[2\]/);
    expect(n.acks[n.acks.length - 1]).toMatchObject({ b: 1, s: 3 });
    expect(gw.store.tableCounts().readings).toBe(2);
    const reasons = gw.store.rejectCounts().map((r) => r.reason);
    expect(reasons.some((r) => /^json:/.test(r))).toBe(true);
    expect(reasons.some((r) => /value must be a finite number/.test(r))).toBe(true);
    expect(gw.metrics.value("gateway_rejects_total", { reason: "json" })).toBe(1);
    expect(gw.metrics.render()).toMatch(/gateway_rejects_total\{reason="schema\.r"\} 1/);
  });

  it("places unsynchronised readings on the gateway clock and keeps the flag", async () => {
    gw = await startGateway(tmp.dir);
    const n = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
    clients.push(n);
    const before = Date.now();
    // Uptime 50 s at send; the reading was taken at uptime 20 s: 30 s before sending.
    await n.publishUp({ v: 1, n: "pit-1", b: 1, s: 1, t: 50_000, cs: 0, up: 50_000, r: [["lvl.distance", 20_000, 2.5, Q.CLOCK_UNSYNC]] });
    await n.waitAck(1, 1);
    const after = Date.now();
    const sid = gw.store.sensorId("pit-1", "lvl.distance")!;
    const [r] = gw.store.rawReadings(sid, 0, Number.MAX_SAFE_INTEGER);
    expect(r.flags).toBe(Q.CLOCK_UNSYNC | Q.TIME_CORRECTED);
    expect(r.t).toBeGreaterThanOrEqual(before - 30_000);
    expect(r.t).toBeLessThanOrEqual(after - 30_000);
  });

  it("enforces credentials and topic ACLs", async () => {
    gw = await startGateway(tmp.dir);
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { username: "pit-1", password: "wrong", reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { reconnectPeriod: 0 })).rejects.toThrow();
    const n1 = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
    clients.push(n1);
    // Subscribing to another node's acks is refused (SUBACK 0x80).
    await expect(n1.client.subscribeAsync("manure/demo/node/pit-2/ack", { qos: 1 })).rejects.toThrow(/Subscribe error/);
    // Publishing as another node: the broker drops the connection, nothing is stored.
    const closed = new Promise<void>((r) => n1.client.once("close", () => r()));
    n1.client.publish("manure/demo/node/pit-2/up", JSON.stringify(up("pit-2", 1, 1, [["lvl.distance", T, 1, 0]])), { qos: 1 });
    await closed;
    const n2 = await TestNode.connect(gw.mqttPort, "pit-2", "pw-pit-2");
    clients.push(n2);
    await n2.publishUp(up("pit-2", 1, 5, [["lvl.distance", T, 1, 0]]));
    await n2.waitAck(1, 5);
    expect(gw.store.tableCounts().messages).toBe(1);
    expect(gw.store.nodes().map((x) => x.id)).toEqual(["pit-2"]);
  });

  it("passes valid command results to the bus and rejects malformed ones", async () => {
    gw = await startGateway(tmp.dir);
    const seen: unknown[] = [];
    gw.bus.on("commandResult", (r) => seen.push(r));
    const n = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
    clients.push(n);
    await n.client.publishAsync("manure/demo/node/pit-1/cmd/res", JSON.stringify({ v: 1, id: "c-1", ok: true, t: T }), { qos: 1 });
    await n.client.publishAsync("manure/demo/node/pit-1/cmd/res", JSON.stringify({ v: 1, id: 5 }), { qos: 1 });
    // Two rejects: the malformed result (ingest), and the valid one whose id the gateway never
    // sent (the commands feature, features/commands.ts).
    await waitFor(() => seen.length === 1 && gw.store.tableCounts().rejects === 2, "result and rejects");
    expect(seen[0]).toEqual({ node: "pit-1", result: { v: 1, id: "c-1", ok: true, t: T } });
    expect(gw.store.recentRejects().map((r) => r.reason).sort()).toEqual(["cmd/res.id: correlation id must be a string, got number", "cmd/res.id: no command with this id was sent"].sort());
  });

  it("stores status messages (fw, buffer depth, counters)", async () => {
    gw = await startGateway(tmp.dir);
    const n = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
    clients.push(n);
    await n.client.publishAsync("manure/demo/node/pit-1/status", JSON.stringify({ v: 1, state: "online", fw: "0.3.1", b: 4, up: 1000, buf: { ram: 2, flash: 10, dropped: 0 }, err: { mbTimeout: 3 } }), { qos: 1, retain: true });
    await n.publishUp(up("pit-1", 4, 1, [["lvl.distance", T, 1, 0]]));
    await n.waitAck(4, 1);
    const node = gw.store.nodes()[0];
    expect(node.fw).toBe("0.3.1");
    expect(node.state).toBe("online");
    expect(node.status).toMatchObject({ buf: { flash: 10 }, err: { mbTimeout: 3 } });
  });
});

describe("MQTT ingest as a client of an external mosquitto", () => {
  it("subscribes, stores and acks through the external broker", async () => {
    const mosq = await startMosquitto();
    try {
      gw = await startGateway(tmp.dir, { mqtt: { external: { url: mosq.url } } });
      const c = await mqtt.connectAsync(mosq.url, { reconnectPeriod: 0 });
      const n = new TestNode(c, "pit-1");
      clients.push(n);
      await c.subscribeAsync("manure/demo/node/pit-1/ack", { qos: 1 });
      for (let s = 1; s <= 5; s++) await n.publishUp(up("pit-1", 2, s, [["lvl.distance", T + s, s, 0]]));
      const a = await n.waitAck(2, 5);
      expect(a.s).toBe(5);
      expect(gw.store.tableCounts().readings).toBe(5);
    } finally {
      for (const c of clients.splice(0)) await c.end().catch(() => undefined);
      await gw.stop();
      await mosq.stop();
    }
  });
});
