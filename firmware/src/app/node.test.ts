import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import { Aedes } from "aedes";
import { decodeRequest, encodeResponse, validateNodeConfig, type NodeConfig, type RegisterMap } from "@manure-edge/protocol";
import level from "@manure-edge/protocol/maps/ultrasonic-level.json";
import { SensorNode } from "./node";
import { LoopUart, MemStorage, NodePlatform, nodeHardware } from "../../test/node-hw";
import { AckingGateway, waitFor } from "../../test/acking-gateway";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  cleanups.push(() => new Promise<void>((r) => broker.close(() => server.close(() => r()))));
  // A slave answering every read of units 1 and 2 with 2500 (2.5 m at scale 0.001).
  const uart = new LoopUart((req, u) => {
    const d = decodeRequest(req);
    if (!d.ok || (d.request.unit !== 1 && d.request.unit !== 2)) return;
    setTimeout(() => u.deliver(encodeResponse(d.request, new Array(d.request.count).fill(2500))), 5);
  });
  const storage = new MemStorage();
  const platform = new NodePlatform();
  const hw = nodeHardware({ storage, uarts: { Serial2: uart }, platform });
  const cfg: NodeConfig = {
    node: "n1", farm: "demo", mqtt: { host: "127.0.0.1", port, keepalive: 30 }, net: { type: "none" },
    bus: { serial: "Serial2", baud: 9600, timeout: 200, retries: 1 },
    devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 1 }],
  };
  const maps = { "ultrasonic-level": level as unknown as RegisterMap };
  const node = new SensorNode(hw, cfg, {
    fw: "test", maps, watchdog: 5, statusEvery: 2000,
    batch: { maxReadings: 24, maxAge: 2000, offlineMaxReadings: 60, offlineMaxAge: 5000 },
  });
  const gw = new AckingGateway(`mqtt://127.0.0.1:${port}`, "demo", "n1");
  await gw.start();
  cleanups.push(() => gw.stop());
  node.start();
  cleanups.push(() => node.stop());
  return { node, gw, storage, platform, cfg };
}

describe("SensorNode under Node (real aedes, simulated slave)", () => {
  it("publishes valid uplinks, kicks the watchdog while polls complete, answers ping", async () => {
    const { gw, platform, node } = await setup();
    await waitFor(() => gw.readings("lvl.distance").length >= 2, "readings", 90000);
    expect(gw.invalid).toEqual([]);
    expect(gw.readings("lvl.distance")[0][2]).toBe(2.5);
    expect(platform.watchdog).toBe(5);
    expect(platform.kicks).toBeGreaterThan(0);
    // A loop whose polls stopped completing is not healthy: the watchdog is left to fire.
    expect(node.healthy(Date.now())).toBe(true);
    expect(node.healthy(Date.now() + 10 * 60_000)).toBe(false);
    await gw.command("c1", "ping");
    await waitFor(() => gw.results.find((r) => r.id === "c1"), "ping result");
    expect(gw.results.find((r) => r.id === "c1")!.ok).toBe(true);
    // A command past its deadline (it reached the node late) is not run; one within it is.
    await waitFor(() => node.clock.synced, "clock synced by an ack");
    await gw.command("late", "reboot", undefined, Date.now() - 60_000);
    await gw.command("c2", "ping", undefined, Date.now() + 60_000);
    await waitFor(() => gw.results.find((r) => r.id === "c2"), "ping result within its deadline");
    expect(gw.results.find((r) => r.id === "late")).toMatchObject({ ok: false, err: "expired" });
    expect(gw.results.find((r) => r.id === "c2")!.ok).toBe(true);
    expect(platform.reboots).toBe(0);
  }, 180_000);

  it("refuses an invalid configuration with the field and reason; applies a valid one without reboot and stores it", async () => {
    const { gw, storage, node, cfg, platform } = await setup();
    await waitFor(() => gw.readings("lvl.distance").length >= 1, "readings", 90000);
    await gw.command("bad", "config", { ...cfg, devices: [{ id: "x", unit: 1, map: "no-such-map", every: 1 }] });
    const bad = await waitFor(() => gw.results.find((r) => r.id === "bad"), "bad config result");
    expect(bad.ok).toBe(false);
    expect(bad.err).toMatch(/devices\[0\]\.map/);
    const next = { ...cfg, devices: [...cfg.devices, { id: "lvl2", unit: 2, map: "ultrasonic-level", every: 1 }] };
    await gw.command("good", "config", next);
    await waitFor(() => gw.results.find((r) => r.id === "good"), "config result");
    await waitFor(() => gw.readings("lvl2.distance").length >= 1, "readings of the new device", 90000);
    expect(validateNodeConfig(JSON.parse(storage.read("node.json")!)).ok).toBe(true);
    expect(node.boot).toBe(1);
    expect(platform.reboots).toBe(0);
    // Sequence numbers go on in the same boot: nothing was lost across the change.
    expect(gw.gaps()).toEqual([]);
  }, 180_000);

  it("resend rewinds to the oldest unacknowledged message; a resent message is the same text", async () => {
    const { gw, node } = await setup();
    await waitFor(() => gw.messages.size >= 1, "a message", 90000);
    gw.acking = false;
    await waitFor(() => gw.messages.size >= 2, "an unacked message", 90000);
    await gw.command("r1", "resend");
    await waitFor(() => gw.duplicates >= 1, "a resent message", 90000);
    expect(gw.changedDuplicates).toBe(0);
    expect(node.uplink.rewinds).toBeGreaterThanOrEqual(2);
  }, 180_000);
});
