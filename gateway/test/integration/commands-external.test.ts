/**
 * Commands through an external broker: the gateway is a client of a real mosquitto (started
 * on a free port); the node is an MQTT client of the same broker that answers every command.
 * With no node credentials in the gateway's config, a node is known once it has been seen.
 */
import { afterEach, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { startMosquitto, type Mosquitto } from "../../../test/support/mosquitto";
import { tempDir } from "../../../test/support/tmp";
import { nodeHash, startGateway } from "../support/gateway-fixture";
import { waitFor } from "../support/wait";
import { Api } from "../http/client";
import type { Gateway } from "../../src/gateway";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

it("a node seen through mosquitto can be pinged; the command goes out and its result comes back through the broker", async () => {
  const mosq: Mosquitto = await startMosquitto();
  cleanups.push(() => mosq.stop());
  const tmp = tempDir("cmd-ext-");
  cleanups.push(() => tmp.cleanup());
  const gw: Gateway = await startGateway(tmp.dir, { mqtt: { external: { url: mosq.url } } });
  cleanups.push(() => gw.stop());
  gw.store.addUser("op", "operator-pass-1", "operator");
  const api = new Api(`http://127.0.0.1:${gw.http.port}`);
  expect((await api.login("op", "operator-pass-1")).status).toBe(200);

  // Not configured, not seen yet: unknown.
  expect((await api.post("/api/v1/nodes/barn-3/commands", { op: "ping" })).status).toBe(404);

  const node: MqttClient = await mqtt.connectAsync(mosq.url, { clientId: "barn-3", clean: false, reconnectPeriod: 0 });
  // The answers are awaited before the client ends: one still waiting for its PUBACK when the
  // client is ended rejects ("Connection closed"), which must not go unhandled.
  const answers: Promise<unknown>[] = [];
  cleanups.push(() => Promise.all(answers).then(() => node.endAsync(true)));
  const got: string[] = [];
  node.on("message", (topic, p) => {
    if (!topic.endsWith("/cmd")) return;
    const c = JSON.parse(p.toString()) as { id: string };
    got.push(c.id);
    answers.push(node.publishAsync("manure/demo/node/barn-3/cmd/res", JSON.stringify({ v: 1, id: c.id, ok: true, t: Date.now() }), { qos: 1 }));
  });
  await node.subscribeAsync("manure/demo/node/barn-3/cmd", { qos: 1 });
  await node.publishAsync("manure/demo/node/barn-3/status", JSON.stringify({ v: 1, state: "online", fw: "t" }), { qos: 1 });
  await waitFor(() => gw.store.nodes().some((n) => n.id === "barn-3"), "the node's status stored");

  const r = await api.post("/api/v1/nodes/barn-3/commands", { op: "ping" });
  expect(r.status).toBe(202);
  const id: string = r.body.command.id;
  await waitFor(() => gw.commands.get(id)?.state === "ok", "the ping result through mosquitto", 60_000);
  expect(got).toEqual([id]);
  expect(gw.metrics.value("gateway_command_results_total", { op: "ping", outcome: "ok" })).toBe(1);
}, 120_000);

it("with the external broker unreachable, a command is answered queued (not held up) and counted open", async () => {
  const mosq: Mosquitto = await startMosquitto();
  let mosqStopped = false;
  cleanups.push(() => (mosqStopped ? undefined : mosq.stop()));
  const tmp = tempDir("cmd-ext-");
  cleanups.push(() => tmp.cleanup());
  const gw: Gateway = await startGateway(tmp.dir, { mqtt: { external: { url: mosq.url }, nodes: [{ id: "pit-1", passwordHash: nodeHash("pw") }] } });
  cleanups.push(() => gw.stop());
  gw.store.addUser("op", "operator-pass-1", "operator");
  const api = new Api(`http://127.0.0.1:${gw.http.port}`);
  expect((await api.login("op", "operator-pass-1")).status).toBe(200);
  await mosq.stop();
  mosqStopped = true;
  const r = await api.post("/api/v1/nodes/pit-1/commands", { op: "ping" });
  expect(r.status).toBe(202);
  expect(r.body.command).toMatchObject({ state: "queued", sentAt: null });
  expect(gw.metrics.value("gateway_commands_open", { node: "pit-1" })).toBe(1);
  expect(gw.metrics.value("gateway_commands_sent_total", { op: "ping" })).toBeUndefined();
}, 120_000);
