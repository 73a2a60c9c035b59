import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server, type Socket as NetSocket } from "node:net";
import { Aedes } from "aedes";
import mqtt from "mqtt";
import mqttPacket from "mqtt-packet";
import { MqttClient, type MqttOptions } from "./client";
import { nodeNet, systemClock } from "../../test/node-hw";
import { startMosquitto } from "../../../test/support/mosquitto";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startAedes(authenticate?: (user: string, pass: string) => boolean) {
  const broker = await Aedes.createBroker();
  if (authenticate) {
    broker.authenticate = (_c, u, p, done) => done(null, authenticate(u ?? "", p?.toString() ?? ""));
  }
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const sockets = new Set<NetSocket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
  });
  return { broker, port, url: `mqtt://127.0.0.1:${port}`, killConnections: () => sockets.forEach((s) => s.destroy()) };
}

function waitFor<T>(cond: () => T | undefined | false, what: string, ms = 20000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const v = cond();
      if (v) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error("timed out waiting for " + what));
      setTimeout(tick, 10);
    };
    tick();
  });
}

function makeClient(port: number, extra: Partial<MqttOptions> = {}) {
  const events = { connects: 0, sessionPresent: [] as boolean[], disconnects: 0, messages: [] as [string, string][] };
  const c = new MqttClient(nodeNet, systemClock, {
    host: "127.0.0.1", port, clientId: "pit-1", keepalive: 30, clean: false,
    subscribe: ["manure/demo/node/pit-1/ack", "manure/demo/node/pit-1/cmd"], backoffMin: 50, backoffMax: 400,
    will: { topic: "manure/demo/node/pit-1/status", payload: '{"v":1,"state":"offline"}', qos: 1, retain: true },
    ...extra,
  }, {
    onConnect: (sp) => { events.connects++; events.sessionPresent.push(sp); },
    onDisconnect: () => { events.disconnects++; },
    onMessage: (t, p) => { events.messages.push([t, p]); },
  }, Math.random);
  cleanups.push(() => c.stop());
  return { c, events };
}

async function subscriber(url: string, topic: string) {
  const sub = await mqtt.connectAsync(url, { clientId: "observer-" + Math.random().toString(16).slice(2) });
  const got: { topic: string; payload: string; retain: boolean; qos: number }[] = [];
  sub.on("message", (t, p, pkt) => got.push({ topic: t, payload: p.toString(), retain: pkt.retain, qos: pkt.qos }));
  await sub.subscribeAsync(topic, { qos: 1 });
  cleanups.push(() => sub.endAsync());
  return { sub, got };
}

describe("MqttClient against aedes", () => {
  it("connects with credentials, publishes QoS 1 (PUBACK reported) and receives QoS 1 commands", async () => {
    const seen: string[] = [];
    // Observers connect without a user name; the node must present its credentials.
    const b = await startAedes((u, p) => { if (u) seen.push(u + ":" + p); return u === "" || (u === "pit-1" && p === "s3cret"); });
    const { sub, got } = await subscriber(b.url, "manure/demo/node/pit-1/up");
    const { c, events } = makeClient(b.port, { user: "pit-1", pass: "s3cret" });
    c.start();
    await waitFor(() => events.connects === 1, "connack");
    expect(seen).toEqual(["pit-1:s3cret"]);
    const acked: boolean[] = [];
    expect(c.publish("manure/demo/node/pit-1/up", '{"v":1}', 1, false, (ok) => acked.push(ok))).toBe(true);
    await waitFor(() => acked.length === 1 && got.length === 1, "puback and delivery");
    expect(acked).toEqual([true]);
    expect(got[0]).toMatchObject({ payload: '{"v":1}', qos: 1 });
    expect(c.inflightSize()).toBe(0);
    // Wait until the SUBSCRIBE took effect, then send a command as the gateway would.
    await waitFor(() => Object.keys((b.broker as unknown as { clients: Record<string, unknown> }).clients).length >= 2, "clients");
    for (let i = 0; i < 50 && events.messages.length === 0; i++) {
      await sub.publishAsync("manure/demo/node/pit-1/cmd", '{"v":1,"id":"a","op":"ping"}', { qos: 1 });
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => events.messages.length > 0, "command");
    expect(events.messages[0]).toEqual(["manure/demo/node/pit-1/cmd", '{"v":1,"id":"a","op":"ping"}']);
  });

  it("is refused with wrong credentials and keeps retrying with backoff", async () => {
    const b = await startAedes(() => false);
    const { c, events } = makeClient(b.port, { user: "pit-1", pass: "bad" });
    c.start();
    await waitFor(() => c.reconnects >= 3, "three attempts");
    expect(events.connects).toBe(0);
    expect(c.protocolErrors).toBeGreaterThanOrEqual(1);
  });

  it("the will (status offline, retained) is published when the connection dies, and the client reconnects and resubscribes", async () => {
    const b = await startAedes();
    const { c, events } = makeClient(b.port);
    c.start();
    await waitFor(() => events.connects === 1, "connack");
    b.killConnections();
    await waitFor(() => events.connects === 2, "reconnect");
    expect(events.disconnects).toBe(1);
    expect(events.sessionPresent[1]).toBe(true);
    const { got } = await subscriber(b.url, "manure/demo/node/pit-1/status");
    await waitFor(() => got.length > 0, "retained will");
    expect(got[0]).toMatchObject({ payload: '{"v":1,"state":"offline"}', retain: true });
  });

  it("sends PINGREQ within the keep-alive period", async () => {
    const b = await startAedes();
    let pings = 0;
    b.broker.on("ping", () => pings++);
    const { c, events } = makeClient(b.port, { keepalive: 1 });
    c.start();
    await waitFor(() => events.connects === 1, "connack");
    await waitFor(() => pings >= 2, "two pings");
    expect(c.connected).toBe(true);
  });
});

describe("MqttClient session resumption (§4.4) against a scripted peer", () => {
  it("re-sends an unacknowledged QoS 1 PUBLISH with DUP and the same packet id after reconnecting", async () => {
    const received: mqttPacket.Packet[][] = [];
    const server: Server = createServer((s) => {
      const conn: mqttPacket.Packet[] = [];
      received.push(conn);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      const first = received.length === 1;
      parser.on("packet", (p) => {
        conn.push(p);
        if (p.cmd === "connect") s.write(mqttPacket.generate({ cmd: "connack", returnCode: 0, sessionPresent: !first }));
        // First connection: swallow the PUBLISH and drop the link before any PUBACK.
        if (p.cmd === "publish" && first) s.destroy();
        if (p.cmd === "publish" && !first) s.write(mqttPacket.generate({ cmd: "puback", messageId: p.messageId }));
      });
      s.on("data", (d) => parser.parse(d));
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const { c, events } = makeClient((server.address() as { port: number }).port);
    c.start();
    await waitFor(() => events.connects === 1, "connack");
    const acked: boolean[] = [];
    c.publish("t/up", "hello", 1, false, (ok) => acked.push(ok));
    await waitFor(() => acked.length === 1, "puback after resend");
    expect(acked).toEqual([true]);
    const p1 = received[0].find((p) => p.cmd === "publish") as mqttPacket.IPublishPacket;
    const p2 = received[1].find((p) => p.cmd === "publish") as mqttPacket.IPublishPacket;
    expect(p1.dup).toBe(false);
    expect(p2.dup).toBe(true);
    expect(p2.messageId).toBe(p1.messageId);
    expect(p2.payload.toString()).toBe("hello");
    expect((received[1][0] as mqttPacket.IConnectPacket).clean).toBe(false);
  });

  it("fails in-flight messages when the broker starts a new session", async () => {
    let n = 0;
    const server: Server = createServer((s) => {
      const first = n++ === 0;
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.on("packet", (p) => {
        if (p.cmd === "connect") s.write(mqttPacket.generate({ cmd: "connack", returnCode: 0, sessionPresent: false }));
        if (p.cmd === "publish" && first) s.destroy();
      });
      s.on("data", (d) => parser.parse(d));
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const { c, events } = makeClient((server.address() as { port: number }).port);
    c.start();
    await waitFor(() => events.connects === 1, "connack");
    const acked: boolean[] = [];
    c.publish("t/up", "hello", 1, false, (ok) => acked.push(ok));
    await waitFor(() => acked.length === 1, "failure");
    expect(acked).toEqual([false]);
    expect(c.inflightSize()).toBe(0);
  });
});

describe("MqttClient against mosquitto", () => {
  it("publishes QoS 1, receives commands, and its will is retained by the broker", async () => {
    const m = await startMosquitto();
    cleanups.push(() => m.stop());
    const { sub, got } = await subscriber(m.url, "manure/demo/node/pit-1/#");
    const { c, events } = makeClient(m.port);
    c.start();
    await waitFor(() => events.connects === 1, "connack");
    const acked: boolean[] = [];
    c.publish("manure/demo/node/pit-1/up", "reading", 1, false, (ok) => acked.push(ok));
    await waitFor(() => acked.length === 1 && got.some((g) => g.payload === "reading"), "publish");
    await waitFor(() => m.log().includes("pit-1 1 manure/demo/node/pit-1/cmd"), "subscription in broker log");
    await sub.publishAsync("manure/demo/node/pit-1/cmd", "go", { qos: 1 });
    await waitFor(() => events.messages.length === 1, "command");
    expect(events.messages[0][1]).toBe("go");
    // Drop the TCP connection without DISCONNECT: the broker publishes the will.
    (c as unknown as { _sock: { end(): void } })._sock.end();
    await waitFor(() => got.some((g) => g.topic.endsWith("/status")), "will");
    expect(got.find((g) => g.topic.endsWith("/status"))!.payload).toBe('{"v":1,"state":"offline"}');
  });
});
