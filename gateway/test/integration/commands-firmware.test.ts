/**
 * Commands end to end with the REAL firmware: the node's SensorNode (firmware/src/app/node.ts)
 * runs under Node with the firmware's Node adapters, logs in to the gateway's embedded broker
 * with its own credentials, polls a simulated Modbus slave and answers the commands an admin
 * sends through the gateway's HTTP API. An observer on the broker records every cmd message,
 * so a configuration refused at the API is seen never to reach the node.
 */
import { afterEach, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { decodeRequest, encodeResponse, validateNodeConfig, type NodeConfig, type RegisterMap } from "@manure-edge/protocol";
import level from "@manure-edge/protocol/maps/ultrasonic-level.json";
import { SensorNode } from "../../../firmware/src/app/node";
import { LoopUart, MemStorage, NodePlatform, nodeHardware } from "../../../firmware/test/node-hw";
import { tempDir } from "../../../test/support/tmp";
import { nodeHash } from "../support/gateway-fixture";
import { parseConfig } from "../../src/config/load";
import { Gateway } from "../../src/gateway";
import { systemClock } from "../../src/clock";
import { silentLogger } from "../../src/log";
import { waitFor } from "../support/wait";
import { Api } from "../http/client";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The gateway's own start path (as the fixture's startGateway), with a command timeout of our choosing. */
async function setup(commandTimeoutMs?: number) {
  const tmp = tempDir("cmd-fw-");
  cleanups.push(() => tmp.cleanup());
  const cfg0 = parseConfig({
    farm: "demo", gateway: "gw1", dataDir: tmp.dir, log: { level: "silent" }, store: { groupCommitMs: 5 }, http: { host: "127.0.0.1", port: 0 },
    mqtt: {
      listen: { host: "127.0.0.1", port: 0 },
      nodes: [{ id: "pit-1", passwordHash: nodeHash("pw-pit-1") }, { id: "pit-2", passwordHash: nodeHash("pw-pit-2") }],
      observers: [{ user: "watch", passwordHash: nodeHash("pw-watch") }],
    },
  });
  const gw = new Gateway(cfg0, { clock: systemClock, log: silentLogger, commandTimeoutMs });
  await gw.start();
  cleanups.push(() => gw.stop());
  gw.store.addUser("admin", "admin-pass-1", "admin");
  gw.store.addUser("op", "operator-pass-1", "operator");
  const base = `http://127.0.0.1:${gw.http.port}`;
  const admin = new Api(base);
  expect((await admin.login("admin", "admin-pass-1")).status).toBe(200);
  const operator = new Api(base);
  expect((await operator.login("op", "operator-pass-1")).status).toBe(200);

  // Every command message the broker carries to pit-1, as the node would receive it.
  const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { username: "watch", password: "pw-watch", reconnectPeriod: 0 });
  cleanups.push(() => watcher.endAsync(true));
  const seenCmds: { id: string; op: string; cfg?: NodeConfig }[] = [];
  watcher.on("message", (_t, p) => seenCmds.push(JSON.parse(p.toString()) as { id: string; op: string }));
  await watcher.subscribeAsync("manure/demo/node/pit-1/cmd", { qos: 1 });

  // A slave answering every read of unit 1 with 2500 (2.5 m at scale 0.001).
  const uart = new LoopUart((req, u) => {
    const d = decodeRequest(req);
    if (!d.ok || d.request.unit !== 1) return;
    setTimeout(() => u.deliver(encodeResponse(d.request, new Array(d.request.count).fill(2500))), 5);
  });
  const storage = new MemStorage();
  const platform = new NodePlatform();
  const cfg: NodeConfig = {
    node: "pit-1", farm: "demo", mqtt: { host: "127.0.0.1", port: gw.mqttPort, user: "pit-1", pass: "pw-pit-1", keepalive: 30 }, net: { type: "none" },
    bus: { serial: "Serial2", baud: 9600, timeout: 200, retries: 1 },
    devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 600 }],
  };
  const newNode = () =>
    new SensorNode(nodeHardware({ storage, uarts: { Serial2: uart }, platform }), cfg, {
      fw: "test", maps: { "ultrasonic-level": level as unknown as RegisterMap }, watchdog: 5, statusEvery: 2000,
      batch: { maxReadings: 24, maxAge: 1000, offlineMaxReadings: 60, offlineMaxAge: 5000 },
    });
  let node = newNode();
  node.start();
  cleanups.push(() => node.stop());
  const readings = () => {
    const id = gw.store.sensorId("pit-1", "lvl.distance");
    return id === null || id === undefined ? 0 : gw.store.rawReadings(id, 0, Number.MAX_SAFE_INTEGER).length;
  };
  // A stored reading means the broker has handled the node's SUBSCRIBE (sent before any publish).
  await waitFor(() => readings() >= 1, "the node's first reading at the gateway", 90_000);
  return {
    gw, admin, operator, storage, cfg, seenCmds, readings, platform,
    node: () => node,
    /** A power cycle: same flash, a new SensorNode (boot + 1), same MQTT client id (persistent session). */
    restartNode: () => {
      node = newNode();
      node.start();
    },
  };
}

async function finalState(api: Api, id: string): Promise<{ state: string; err: string | null; resultT: number | null }> {
  let cmd = { state: "sent", err: null, resultT: null };
  const end = Date.now() + 60_000;
  for (;;) {
    const r = await api.get(`/api/v1/commands/${id}`);
    expect(r.status).toBe(200);
    cmd = r.body.command;
    if (cmd.state !== "queued" && cmd.state !== "sent") return cmd;
    if (Date.now() > end) throw new Error(`command ${id} still ${cmd.state}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe("commands to a real firmware node through the gateway's HTTP API and embedded broker", () => {
  it("ping goes ok; a pushed configuration that changes a device's every is applied and stored by the node; a bad one is refused at the API and never sent", async () => {
    const s = await setup();
    const ping = await s.operator.post("/api/v1/nodes/pit-1/commands", { op: "ping" });
    expect(ping.status).toBe(202);
    expect(ping.body.command).toMatchObject({ node: "pit-1", op: "ping", createdBy: "op", cfg: null });
    expect(ping.body.command.id).toMatch(/^cmd-[A-Za-z0-9_-]{12}$/);
    expect(["sent", "ok"]).toContain(ping.body.command.state);
    const pinged = await finalState(s.operator, ping.body.command.id);
    expect(pinged).toMatchObject({ state: "ok", err: null });
    expect(typeof pinged.resultT).toBe("number");

    // An operator may not push a configuration (admin only); nothing is stored or sent.
    const next: NodeConfig = { ...s.cfg, devices: [{ ...s.cfg.devices[0], every: 1 }] };
    const forbidden = await s.operator.post("/api/v1/nodes/pit-1/commands", { op: "config", cfg: next });
    expect(forbidden.status).toBe(403);

    // Bad configurations: refused at the API with the field path and reason, never on the wire.
    const bad1 = await s.admin.post("/api/v1/nodes/pit-1/commands", { op: "config", cfg: { ...s.cfg, devices: [{ ...s.cfg.devices[0], every: 0 }] } });
    expect(bad1.status).toBe(400);
    expect(bad1.body.reason).toMatch(/^cfg\.devices\[0\]\.every: /);
    const bad2 = await s.admin.post("/api/v1/nodes/pit-1/commands", { op: "config", cfg: { ...s.cfg, devices: [{ ...s.cfg.devices[0], map: "no-such-map" }] } });
    expect(bad2.status).toBe(400);
    expect(bad2.body.reason).toMatch(/^cfg\.devices\[0\]\.map: /);
    const bad3 = await s.admin.post("/api/v1/nodes/pit-1/commands", { op: "config", cfg: { ...s.cfg, node: "pit-2" } });
    expect(bad3.status).toBe(400);
    expect(bad3.body.reason).toMatch(/^cfg\.node: must be the target node "pit-1"/);

    const before = s.readings();
    const cfgCmd = await s.admin.post("/api/v1/nodes/pit-1/commands", { op: "config", cfg: next });
    expect(cfgCmd.status).toBe(202);
    // The stored copy never keeps the node's MQTT password.
    expect(cfgCmd.body.command.cfg.mqtt.pass).toBe("(redacted)");
    expect(cfgCmd.body.command.cfg.devices[0].every).toBe(1);
    expect(await finalState(s.admin, cfgCmd.body.command.id)).toMatchObject({ state: "ok", err: null });
    // The node stored the new configuration and runs it: it polls every second now (was 600 s).
    await waitFor(() => s.node().config().devices[0].every === 1, "the node applying the configuration", 30_000);
    const stored = validateNodeConfig(JSON.parse(s.storage.read("node.json")!));
    expect(stored.ok && stored.value.devices[0].every).toBe(1);
    expect(stored.ok && stored.value.mqtt.pass).toBe("pw-pit-1");
    await waitFor(() => s.readings() >= before + 3, "readings at the new interval", 90_000);

    // On the wire: exactly the accepted commands, the configuration with its real password.
    await waitFor(() => s.seenCmds.length >= 2, "the observer seeing both commands");
    expect(s.seenCmds.map((c) => c.id)).toEqual([ping.body.command.id, cfgCmd.body.command.id]);
    expect(s.seenCmds[1].cfg!.mqtt.pass).toBe("pw-pit-1");

    // Newest first, with states.
    const list = await s.admin.get("/api/v1/nodes/pit-1/commands?limit=10");
    expect(list.status).toBe(200);
    expect(list.body.commands.map((c: { id: string; state: string }) => [c.id, c.state])).toEqual([
      [cfgCmd.body.command.id, "ok"],
      [ping.body.command.id, "ok"],
    ]);
    const metrics = (await s.admin.get("/metrics")).text;
    expect(metrics).toMatch(/gateway_commands_sent_total\{op="config"\} 1\n/);
    expect(metrics).toMatch(/gateway_command_results_total\{op="ping",outcome="ok"\} 1\n/);
    expect(metrics).toMatch(/gateway_commands_refused_total\{reason="invalid"\} 3\n/);
  }, 240_000);

  it("a command sent while the node is offline reaches it when it reconnects (persistent session) and goes ok", async () => {
    const s = await setup();
    s.node().stop();
    await waitFor(() => !(s.gw.transport.connectedNodes() ?? []).includes("pit-1"), "the node disconnected");
    const r = await s.operator.post("/api/v1/nodes/pit-1/commands", { op: "resend" });
    expect(r.status).toBe(202);
    expect(r.body.command.state).toBe("sent");
    // Still waiting: nobody can answer it.
    expect((await s.operator.get(`/api/v1/commands/${r.body.command.id}`)).body.command.state).toBe("sent");
    s.restartNode();
    expect(await finalState(s.operator, r.body.command.id)).toMatchObject({ state: "ok", err: null });
    expect(s.node().boot).toBe(2);
  }, 240_000);

  it("the node's refusal comes back as failed with its reason; reboot goes ok and the node reboots", async () => {
    const s = await setup();
    // Valid for the gateway, refused by this firmware (built without the NMEA parser).
    const withGps: NodeConfig = { ...s.cfg, gps: { serial: "Serial3", baud: 9600, rx: "D25", tx: "D26" } };
    const r = await s.admin.post("/api/v1/nodes/pit-1/commands", { op: "config", cfg: withGps });
    expect(r.status).toBe(202);
    const done = await finalState(s.admin, r.body.command.id);
    expect(done.state).toBe("failed");
    expect(done.err).toMatch(/^gps: this firmware has no GPS support/);
    expect(s.node().config().gps).toBeUndefined();
    expect(s.gw.metrics.value("gateway_command_results_total", { op: "config", outcome: "failed" })).toBe(1);

    expect((await s.operator.post("/api/v1/nodes/pit-1/commands", { op: "reboot" })).status).toBe(403);
    const rb = await s.admin.post("/api/v1/nodes/pit-1/commands", { op: "reboot" });
    expect(rb.status).toBe(202);
    expect(await finalState(s.admin, rb.body.command.id)).toMatchObject({ state: "ok" });
    await waitFor(() => s.platform.reboots === 1, "the node rebooting");
  }, 240_000);

  it("a command that reaches the node after its deadline (exp) is not run: the node says expired, the gateway keeps it expired", async () => {
    const s = await setup(3000);
    // The node's clock is synchronised from the gateway's acks (it compares exp on that clock).
    await waitFor(() => s.node().clock.synced, "the node's clock synchronised");
    // The link drops (Wi-Fi lost): the node keeps running, its MQTT session stays at the broker.
    s.node().mqtt!.pause();
    await waitFor(() => !(s.gw.transport.connectedNodes() ?? []).includes("pit-1"), "the node disconnected");
    const r = await s.admin.post("/api/v1/nodes/pit-1/commands", { op: "reboot" });
    expect(r.status).toBe(202);
    const id: string = r.body.command.id;
    expect(await finalState(s.admin, id)).toMatchObject({ state: "expired", resultT: null });
    // The link returns: the broker delivers the reboot from the persistent session, too late.
    s.node().mqtt!.start();
    await waitFor(() => s.gw.commands.get(id)!.resultT !== null, "the node's answer", 60_000);
    expect(s.gw.commands.get(id)).toMatchObject({ state: "expired", err: "the node got it after its deadline and did not run it" });
    expect(s.platform.reboots).toBe(0);
    expect(s.gw.metrics.value("gateway_command_results_total", { op: "reboot", outcome: "not_run" })).toBe(1);
    expect(s.seenCmds.map((c) => c.id)).toEqual([id]);
  }, 240_000);
});
