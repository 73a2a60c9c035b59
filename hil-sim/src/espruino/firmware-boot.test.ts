import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Aedes } from "aedes";
import { VirtualClock } from "../clock/virtual-clock";
import { Rs485Bus } from "../bus/rs485-bus";
import { tempDir } from "../../../test/support/tmp";
import { EspruinoRuntime } from "./runtime";
import { FlashStorage, binToBytes } from "./flash";
import { WifiAccessPoint } from "./wifi";
import { VirtualNetwork } from "./net";
import { transceiverPort } from "./uart";

/**
 * The real firmware bundle (built here by firmware/scripts/build.ts, as it would be flashed,
 * configuration read from Storage "node.json") boots in the runtime, polls the RS485 bus with
 * correct DE timing, talks MQTT to a real aedes, and boots again after a power cut.
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const tmp = tempDir("fw-bundle-");
let bundle = "";
let broker: Aedes;
let server: Server;
let port = 0;
const clients: string[] = [];
const pubs: { topic: string; payload: string }[] = [];

beforeAll(async () => {
  const out = join(tmp.dir, "firmware.js");
  execFileSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "firmware/scripts/build.ts"), "--maps", "all", "--out", out], { cwd: root, stdio: "pipe" });
  bundle = readFileSync(out, "utf8");
  broker = await Aedes.createBroker();
  broker.on("client", (c) => clients.push(c.id));
  broker.on("publish", (p, c) => {
    if (c) pubs.push({ topic: p.topic, payload: p.payload.toString() });
  });
  server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as { port: number }).port;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
  tmp.cleanup();
});

describe("the real firmware bundle", () => {
  it("boots from flash with node.json, polls Serial2 with DE driven around each request, publishes over MQTT, survives a power cut", async () => {
    const clock = new VirtualClock();
    const bus = new Rs485Bus(clock, { baud: 9600 });
    const master = bus.attachMaster({ chunkMs: 10 });
    const requests: number[] = [];
    bus.attach("sniffer", { onByte: (b) => requests.push(b) });
    const flash = new FlashStorage();
    const cfg = {
      node: "pit-1", farm: "demo", base: "manure",
      mqtt: { host: "192.168.1.10", port: 1883, user: "pit-1", pass: "pw", keepalive: 60 },
      net: { type: "wifi", ssid: "farm", pass: "secret-pass" },
      bus: { serial: "Serial2", baud: 9600, parity: "none", stop: 1, rx: "D16", tx: "D17", de: "D4", timeout: 200, retries: 2 },
      devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 60 }],
    };
    flash.write("node.json", binToBytes(JSON.stringify(cfg)));
    const network = new VirtualNetwork();
    network.settleWallMs = 200; // the broker's answers (CONNACK, PUBACK) release it sooner
    network.route("192.168.1.10:1883", { host: "127.0.0.1", port });
    const rt = new EspruinoRuntime({
      clock: bus.clock, bundle, flash, network,
      wifi: new WifiAccessPoint("farm", "secret-pass"),
      uarts: { Serial2: transceiverPort(master, bus.config) },
      dePins: { D4: "Serial2" },
    });
    try {
      rt.boot();
      await clock.runFor(180_000);
      expect(rt.uncaughtErrors).toEqual([]);
      expect(rt.consoleLines.some((l) => /^node pit-1 boot 1 fw \S+ config from storage$/.test(l.text))).toBe(true);
      expect(clients).toContain("pit-1");
      // Modbus RTU read of unit 1 went out whole: DE was high for every byte and not dropped early
      expect(master.stats.txChars).toBeGreaterThanOrEqual(8);
      expect(master.stats.txLostDeLow).toBe(0);
      expect(master.stats.txCut).toBe(0);
      expect(requests.slice(0, 2)).toEqual([1, 3]);
      const status = pubs.find((p) => p.topic === "manure/demo/node/pit-1/status");
      expect(status && JSON.parse(status.payload).state).toBe("online");
      const mem = rt.evaluate("process.memory()") as { usage: number; total: number };
      expect(mem.usage).toBeGreaterThan(1000);
      expect(mem.usage).toBeLessThan(mem.total);

      rt.powerLoss();
      await clock.runFor(10_000);
      rt.boot();
      await clock.runFor(60_000);
      expect(rt.consoleLines.some((l) => /^node pit-1 boot 2 fw \S+ config from storage$/.test(l.text))).toBe(true); // boot counter kept in flash
      expect(rt.uncaughtErrors).toEqual([]);
    } finally {
      rt.dispose();
    }
  });
});
