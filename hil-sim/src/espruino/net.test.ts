import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";
import mqtt from "mqtt";
import { VirtualClock } from "../clock/virtual-clock";
import { EspruinoRuntime } from "./runtime";
import { VirtualNetwork } from "./net";
import { WifiAccessPoint } from "./wifi";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

async function echoServer(): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
  });
  const port = await listen(server);
  cleanups.push(() => sockets.forEach((s) => s.destroy()));
  return { port, sockets };
}

const CLIENT = `
  var Wifi = require("Wifi"), net = require("net"), log = [], sock;
  Wifi.on("connected", function (d) { log.push("wifi up " + d.ip); });
  Wifi.on("disconnected", function (d) { log.push("wifi down " + d.msg); });
  function open() {
    sock = net.connect({ host: "192.168.1.10", port: 1883 }, function () { log.push("connected"); });
    sock.on("data", function (d) { log.push("data " + d); });
    sock.on("error", function (e) { log.push("error " + e.code + " " + e.message); });
    sock.on("close", function () { log.push("close"); });
  }
  Wifi.connect("farm", { password: "secret" }, function (err) { log.push("cb " + err); if (!err) open(); });
`;

function nodeWith(port: number, opts: { ap?: WifiAccessPoint; bundle?: string } = {}) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork();
  // Hold the clock up to 2 s of wall time per write until the peer answers (every write in
  // these tests gets an answer, so this only costs time on a loaded machine, never flakes).
  network.settleWallMs = 2000;
  network.route("192.168.1.10:1883", { host: "127.0.0.1", port });
  const ap = opts.ap ?? new WifiAccessPoint("farm", "secret");
  const rt = new EspruinoRuntime({ clock, bundle: opts.bundle ?? CLIENT, network, wifi: ap });
  cleanups.push(() => rt.dispose());
  return { clock, network, ap, rt };
}

describe("Wifi", () => {
  it("connects, then after an outage retries twice silently, emits 'disconnected' once and stays down until the app reconnects", async () => {
    const { port } = await echoServer();
    const { clock, ap, rt } = nodeWith(port);
    rt.boot();
    await clock.runFor(5_000);
    expect(rt.evaluate("log")).toEqual(["wifi up 192.168.1.50", "cb null", "connected"]);
    ap.down();
    await clock.runFor(5_000);
    expect(rt.evaluate("log.length")).toBe(3); // beacons not yet missed
    await clock.runFor(30_000);
    const log = rt.evaluate("log") as string[];
    expect(log.filter((l) => l.startsWith("wifi down"))).toEqual(["wifi down NO_AP_FOUND"]);
    expect(rt.wifiStats?.attempts).toBe(3); // first connect + 2 retries after the drop
    ap.restore();
    await clock.runFor(60_000);
    expect(rt.evaluate("Wifi.getStatus().station")).toBe("NO_AP_FOUND"); // the driver does not come back by itself
    expect(rt.evaluate("Wifi.getIP().ip")).toBe("0.0.0.0");
    rt.evaluate('Wifi.connect("farm", { password: "secret" }, function (err) { log.push("re " + err); })');
    await clock.runFor(5_000);
    expect((rt.evaluate("log") as string[]).slice(-2)).toEqual(["wifi up 192.168.1.50", "re null"]);
  });

  it("a short outage is ridden out silently: no 'disconnected' event, a new 'connected' one", async () => {
    const { port } = await echoServer();
    const { clock, ap, rt } = nodeWith(port);
    rt.boot();
    await clock.runFor(5_000);
    ap.down();
    await clock.runFor(7_000); // beacon timeout at 6 s, first retry under way
    ap.restore();
    await clock.runFor(10_000);
    const log = rt.evaluate("log") as string[];
    expect(log.some((l) => l.startsWith("wifi down"))).toBe(false);
    expect(log.filter((l) => l.startsWith("wifi up")).length).toBe(2);
  });

  it("a wrong password fails the connect callback after three attempts", async () => {
    const { port } = await echoServer();
    const { clock, rt } = nodeWith(port, { ap: new WifiAccessPoint("farm", "other") });
    rt.boot();
    await clock.runFor(20_000);
    expect(rt.evaluate("log")).toEqual(["wifi down 4WAY_HANDSHAKE_TIMEOUT", "cb 4WAY_HANDSHAKE_TIMEOUT"]);
  });
});

describe("net through the virtual network to real TCP", () => {
  it("echo round trip with binary bytes; a cut holds data until it ends; a long cut times the socket out", async () => {
    const { port } = await echoServer();
    const { clock, network, rt } = nodeWith(port);
    rt.boot();
    await clock.runFor(5_000);
    rt.evaluate('sock.write("ping\\x00\\xff") && 0');
    await clock.runFor(1_000);
    expect((rt.evaluate("log") as string[]).pop()).toBe("data ping\x00\xff");

    network.cut();
    rt.evaluate('sock.write("held") && 0');
    await clock.runFor(30_000);
    expect((rt.evaluate("log") as string[]).pop()).toBe("data ping\x00\xff");
    network.restore();
    await clock.runFor(1_000);
    expect((rt.evaluate("log") as string[]).pop()).toBe("data held"); // TCP retransmission after the cut

    network.cut();
    rt.evaluate('sock.write("lost") && 0');
    await clock.runFor(network.tcpGiveUpMs + 1_000);
    expect((rt.evaluate("log") as string[]).slice(-2)).toEqual(["error -3 timeout", "close"]);
    network.restore();
    expect(network.stats.giveUps).toBe(1);
  });

  it("connect fails with 'no route' while the link is down, and 'no connection' when refused", async () => {
    const server = createServer();
    const deadPort = await listen(server);
    await new Promise<void>((r) => server.close(() => r()));
    const { clock, network, rt } = nodeWith(deadPort);
    rt.boot();
    await clock.runFor(5_000);
    expect((rt.evaluate("log") as string[]).slice(-2)).toEqual(["error -11 no connection", "close"]);
    network.cut();
    rt.evaluate("open()");
    await clock.runFor(1_000);
    expect((rt.evaluate("log") as string[]).slice(-2)).toEqual(["error -4 no route", "close"]);
  });

  it("MQTT CONNECT to a real aedes; power loss drops the socket without DISCONNECT, so the broker publishes the will", async () => {
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    const port = await listen(server);
    cleanups.push(() => new Promise<void>((r) => broker.close(() => r())));
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    cleanups.push(() => watcher.endAsync());
    await watcher.subscribeAsync("nodes/n1/status", { qos: 1 });
    const will = new Promise<string>((resolve) => watcher.on("message", (_t, p) => resolve(p.toString())));

    // MQTT 3.1.1 §3.1: CONNECT with clean session and a will (topic nodes/n1/status, "offline")
    const bundle = `
      function str(s) { return String.fromCharCode(s.length >> 8, s.length & 255) + s; }
      var body = str("MQTT") + "\\x04" + "\\x06" + "\\x00\\x3c" + str("n1") + str("nodes/n1/status") + str("offline");
      var connect = "\\x10" + String.fromCharCode(body.length) + body;
      var got = "";
      require("Wifi").connect("farm", { password: "secret" }, function () {
        var s = require("net").connect({ host: "192.168.1.10", port: 1883 }, function () { s.write(connect); });
        s.on("data", function (d) { got += d; });
      });
    `;
    const { clock, rt } = nodeWith(port, { bundle });
    rt.boot();
    await clock.runFor(5_000);
    expect(rt.evaluate("got")).toBe("\x20\x02\x00\x00"); // CONNACK, return code 0 (§3.2)
    rt.powerLoss();
    expect(await will).toBe("offline");
  });
});
