/**
 * A node in hil-sim's Espruino runtime, running the built bundle (the file that is flashed)
 * against simulated Modbus slaves on a byte-level RS485 bus, Wi-Fi, and a real aedes broker
 * with the gateway's side of the wire contract (AckingGateway).
 */
import { createServer, type Server } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Aedes } from "aedes";
import level from "@manure-edge/protocol/maps/ultrasonic-level.json";
import pt100 from "@manure-edge/protocol/maps/pt100-8ch.json";
import { VirtualClock } from "../../../hil-sim/src/clock/virtual-clock";
import { Rs485Bus } from "../../../hil-sim/src/bus/rs485-bus";
import { EspruinoRuntime } from "../../../hil-sim/src/espruino/runtime";
import { FlashStorage, binToBytes } from "../../../hil-sim/src/espruino/flash";
import { WifiAccessPoint } from "../../../hil-sim/src/espruino/wifi";
import { VirtualNetwork } from "../../../hil-sim/src/espruino/net";
import type { W5500Module } from "../../../hil-sim/src/espruino/wiznet";
import { transceiverPort } from "../../../hil-sim/src/espruino/uart";
import { SimSlave } from "../../../hil-sim/src/slaves/sim-slave";
import { RtuSlave } from "../../../hil-sim/src/slaves/rtu-slave";
import { FaultInjector } from "../../../hil-sim/src/slaves/faults";
import { tempDir } from "../../../test/support/tmp";
import { buildFirmware } from "../../scripts/build";
import { AckingGateway } from "../acking-gateway";

let bundlePromise: Promise<string> | null = null;

/** Builds the bundle once per test file (configuration read from Storage "node.json"). */
export function bundle(): Promise<string> {
  if (!bundlePromise) {
    const tmp = tempDir("fw-hil-");
    const out = join(tmp.dir, "firmware.js");
    bundlePromise = buildFirmware({ maps: "all", out, statusEvery: 600 }).then(() => {
      const s = readFileSync(out, "utf8");
      tmp.cleanup();
      return s;
    });
  }
  return bundlePromise;
}

export interface Rig {
  clock: VirtualClock;
  rt: EspruinoRuntime;
  gw: AckingGateway;
  net: VirtualNetwork;
  flash: FlashStorage;
  faults: FaultInjector;
  ap: WifiAccessPoint;
  /** Distance the level sensor reports at virtual time t. */
  distance(t: number): number;
  stop(): Promise<void>;
}

export interface RigOptions {
  seed?: number;
  /** Poll periods, s (default level 60, pile 300). */
  every?: { lvl: number; pile: number };
  /** Another bundle (default: configuration from Storage, all maps). */
  code?: string;
  /** Write the configuration to Storage "node.json" (default true). */
  storageConfig?: boolean;
  /** The configuration's `net` (default Wi-Fi "farm"). */
  net?: Record<string, unknown>;
  /** A W5500 Ethernet module on the board (the runtime then offers require("WIZnet")). */
  w5500?: W5500Module;
  /** Size of the Storage area, bytes (default the ESP32's, hil-sim's ESP32_STORAGE_BYTES). */
  flashBytes?: number;
}

/** The rig's node configuration. */
export function rigConfig(opts: RigOptions = {}) {
  return {
    node: "pit-1", farm: "demo", base: "manure",
    mqtt: { host: "192.168.1.10", port: 1883, user: "pit-1", pass: "pw", keepalive: 60 },
    net: opts.net ?? { type: "wifi", ssid: "farm", pass: "secret-pass" },
    bus: { serial: "Serial2", baud: 9600, parity: "none", stop: 1, rx: "D16", tx: "D17", de: "D4", timeout: 200, retries: 2 },
    devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: opts.every?.lvl ?? 60 }, { id: "pile", unit: 2, map: "pt100-8ch", every: opts.every?.pile ?? 300 }],
  };
}

export async function rig(opts: RigOptions = {}): Promise<Rig> {
  const code = opts.code ?? (await bundle());
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const clock = new VirtualClock({ start: Date.UTC(2026, 5, 1) });
  const bus = new Rs485Bus(clock, { baud: 9600, seed: opts.seed ?? 1 });
  const master = bus.attachMaster({ chunkMs: 10 });
  const t0 = clock.now();
  // Slurry rising 2 cm a day: the distance to the surface shrinks.
  const distance = (t: number) => Math.round((3.2 - ((t - t0) / 86_400_000) * 0.02) * 1000) / 1000;
  const lvl = new SimSlave(1, level as never, () => distance(clock.now()), { clock });
  const pile = new SimSlave(2, pt100 as never, (p) => 50 + Number(p.name.substring(1)), { clock });
  const faults = new FaultInjector({ seed: opts.seed ?? 1, lateMs: 400 });
  new RtuSlave(bus, lvl, { turnaroundMs: 8 }).start();
  new RtuSlave(bus, pile, { turnaroundMs: 12, faults }).start();
  const flash = new FlashStorage({ totalBytes: opts.flashBytes });
  const cfg = rigConfig(opts);
  if (opts.storageConfig !== false) flash.write("node.json", binToBytes(JSON.stringify(cfg)));
  const net = new VirtualNetwork();
  net.settleWallMs = 200;
  net.route("192.168.1.10:1883", { host: "127.0.0.1", port });
  const ap = new WifiAccessPoint("farm", "secret-pass");
  const rt = new EspruinoRuntime({
    clock: bus.clock, bundle: code, flash, network: net, seed: opts.seed ?? 1,
    wifi: ap, w5500: opts.w5500,
    uarts: { Serial2: transceiverPort(master, bus.config) }, dePins: { D4: "Serial2" },
  });
  const gw = new AckingGateway(`mqtt://127.0.0.1:${port}`, "demo", "pit-1");
  gw.now = () => clock.now();
  await gw.start();
  return {
    clock, rt, gw, net, flash, faults, ap, distance,
    async stop() {
      rt.dispose();
      await gw.stop();
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
