import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { Q } from "@manure-edge/protocol";
import { ModbusTcpServer } from "@manure-edge/hil-sim/serve/modbus-tcp.ts";
import { RtuPtyServer } from "@manure-edge/hil-sim/serve/rtu-pty.ts";
import { startPtyPair, type PtyPair } from "@manure-edge/hil-sim/serve/socat.ts";
import { RegisterBank } from "@manure-edge/hil-sim/slaves/register-space.ts";
import { unitsOf } from "@manure-edge/hil-sim/slaves/respond.ts";
import { tempDir } from "../../../test/support/tmp";
import { freePort } from "../../../test/support/ports";
import { waitFor } from "../support/wait";
import { startGateway } from "../support/gateway-fixture";
import { systemClock } from "../../src/clock";
import type { Gateway } from "../../src/gateway";
import type { PollBusConfig } from "../../src/config/schema";

let tmp: ReturnType<typeof tempDir>;
let gw: Gateway | null = null;

beforeEach(() => {
  tmp = tempDir("gw-poll-");
});
afterEach(async () => {
  await gw?.stop();
  gw = null;
  tmp.cleanup();
});

// An ultrasonic level sensor (holding 0 = distance mm) at unit 1 and an 8-channel PT100
// module (holding 0..7 = 0.1 °C, 0x8000 = probe break) at unit 2; unit 3 is configured but absent.
function slaves() {
  const level = new RegisterBank(1, { holding: [1234, 0, 0, 0, 0, 0, 0, 0] });
  const pile = new RegisterBank(2, { holding: [652, 0x8000, 555, 540, 0, 0, 0, 0] });
  return { level, pile, devices: unitsOf([level, pile]) };
}

const devicesCfg = [
  { id: "lvl", map: "ultrasonic-level", unit: 1, every: 1 },
  { id: "pile1", map: "pt100-8ch", unit: 2, every: 1 },
  { id: "ghost", map: "ultrasonic-level", unit: 3, every: 1 },
];

function latest(g: Gateway, key: string) {
  const id = g.store.sensorId("gw1", key);
  if (id === null) return null;
  const rows = g.store.rawReadings(id, 0, Number.MAX_SAFE_INTEGER);
  return rows[rows.length - 1] ?? null;
}

describe("direct polling with modbus-serial into the same pipeline", () => {
  it("over Modbus TCP (hil-sim slaves): values, sensor faults and a dead unit with a reason", async () => {
    const s = slaves();
    const server = new ModbusTcpServer(s.devices, { gatewayExceptions: true });
    const addr = await server.start();
    try {
      gw = await startGateway(tmp.dir, { polling: [{ transport: { type: "tcp", host: "127.0.0.1", port: addr.port }, timeoutMs: 500, retries: 0, devices: devicesCfg }] }, systemClock);
      await waitFor(() => latest(gw!, "ghost.distance") !== null && latest(gw!, "pile1.t2") !== null, "first poll committed");
      expect(latest(gw, "lvl.distance")!.value).toBeCloseTo(1.234, 6);
      expect(latest(gw, "pile1.t1")!.value).toBeCloseTo(65.2, 6);
      const broken = latest(gw, "pile1.t2")!;
      expect(broken.value).toBeNull();
      expect(broken.flags & Q.SENSOR_FAULT).toBeTruthy();
      const ghost = latest(gw, "ghost.distance")!;
      expect(ghost.value).toBeNull();
      expect(ghost.flags).toBe(Q.MODBUS_ERROR);
      expect(ghost.reason).toMatch(/.+/);
      // The pseudo-node: gateway id, gateway boot from the DB, sequence without gaps.
      const node = gw.store.nodes().find((n) => n.id === "gw1")!;
      expect(node.lastBoot).toBe(1);
      s.level.tables.holding![0] = 2000;
      await waitFor(() => latest(gw!, "lvl.distance")!.value === 2, "new value polled");
      expect(gw.store.sequenceGaps("gw1")).toEqual([]);
    } finally {
      await gw?.stop();
      gw = null;
      await server.stop();
    }
  });

  it("starts without its Modbus TCP device, flags the readings with the reason, and polls it once it is there, also after it went away", async () => {
    const s = slaves();
    const port = await freePort();
    let server: ModbusTcpServer | null = null;
    try {
      gw = await startGateway(tmp.dir, { polling: [{ transport: { type: "tcp", host: "127.0.0.1", port }, timeoutMs: 300, retries: 0, devices: devicesCfg.slice(0, 1) }] }, systemClock);
      await waitFor(() => latest(gw!, "lvl.distance") !== null, "a flagged reading while the device is absent");
      const absent = latest(gw, "lvl.distance")!;
      expect(absent.value).toBeNull();
      expect(absent.flags).toBe(Q.MODBUS_ERROR);
      expect(absent.reason).toMatch(/.+/);

      server = new ModbusTcpServer(s.devices, { port });
      await server.start();
      await waitFor(() => latest(gw!, "lvl.distance")!.value !== null, "a value once the device answers", 60_000);
      expect(latest(gw, "lvl.distance")!.value).toBeCloseTo(1.234, 6);

      // The device goes away (power cut) and comes back with a new value.
      await server.stop();
      server = null;
      await waitFor(() => latest(gw!, "lvl.distance")!.value === null, "flagged again while it is gone", 60_000);
      s.level.tables.holding![0] = 1500;
      server = new ModbusTcpServer(s.devices, { port });
      await server.start();
      await waitFor(() => latest(gw!, "lvl.distance")!.value === 1.5, "polled again after it came back", 60_000);
      expect(gw.store.sequenceGaps("gw1")).toEqual([]);
    } finally {
      await gw?.stop();
      gw = null;
      await server?.stop();
    }
  }, 120_000);

  it("a USB-RS485 adapter unplugged and plugged back (its device path gone, then back): flagged while gone, polled again after", async () => {
    const s = slaves();
    const path = join(tmp.dir, "ttyUSB0");
    let pty: PtyPair | null = null;
    let server: RtuPtyServer | null = null;
    const plug = async () => {
      pty = await startPtyPair(path);
      server = new RtuPtyServer(s.devices, { path: pty.simPath, baud: 9600, clock: systemClock });
      await server.start();
    };
    const unplug = async () => {
      await server?.stop();
      await pty?.stop();
      server = null;
      pty = null;
    };
    try {
      await plug();
      gw = await startGateway(tmp.dir, { polling: [{ transport: { type: "serial", path, baud: 9600 }, timeoutMs: 300, retries: 0, devices: devicesCfg.slice(0, 1) }] }, systemClock);
      await waitFor(() => latest(gw!, "lvl.distance")?.value === 1.234, "polled through the adapter", 60_000);
      await unplug();
      await waitFor(() => latest(gw!, "lvl.distance")!.value === null, "flagged while the adapter is gone", 60_000);
      expect(latest(gw, "lvl.distance")!.flags).toBe(Q.MODBUS_ERROR);
      s.level.tables.holding![0] = 1750;
      await plug();
      await waitFor(() => latest(gw!, "lvl.distance")!.value === 1.75, "polled again once it is back", 60_000);
      expect(gw.store.sequenceGaps("gw1")).toEqual([]);
    } finally {
      await gw?.stop();
      gw = null;
      await unplug();
    }
  }, 180_000);

  it("a transport error emitted by modbus-serial (EIO when an adapter is pulled mid-write) is counted and logged, not thrown, and polling goes on", async () => {
    const s = slaves();
    const path = join(tmp.dir, "ttyUSB0");
    const pty = await startPtyPair(path);
    const server = new RtuPtyServer(s.devices, { path: pty.simPath, baud: 9600, clock: systemClock });
    await server.start();
    try {
      gw = await startGateway(tmp.dir, { polling: [{ transport: { type: "serial", path, baud: 9600 }, timeoutMs: 300, retries: 0, devices: devicesCfg.slice(0, 1) }] }, systemClock);
      await waitFor(() => latest(gw!, "lvl.distance")?.value === 1.234, "polled through the adapter", 60_000);
      // What modbus-serial does with its port's error (index.js _onError): emit "error" on the
      // client. Seen in CI when the pty vanished during a write; without a listener it throws.
      const client = (gw.pollers[0] as unknown as { client: import("node:events").EventEmitter }).client;
      expect(() => client.emit("error", Object.assign(new Error("EIO: i/o error, write"), { name: "SerialPortError" }))).not.toThrow();
      expect(gw.metrics.value("gateway_poll_transport_errors_total", { transport: path })).toBe(1);
      s.level.tables.holding![0] = 1500;
      await waitFor(() => latest(gw!, "lvl.distance")?.value === 1.5, "still polling", 60_000);
    } finally {
      await gw?.stop();
      gw = null;
      await server.stop();
      await pty.stop();
    }
  }, 180_000);

  // ../shared/anchors.md: ThingsBoard ("one dead RTU slave stalls the others") and EMQX Neuron
  // ("one unanswered read resets the shared RTU link for every device"); docs/data-loss-cases.md
  // rows 5 and 7. Unit 3 is not there and nothing answers for it: on RTU the simulated slaves
  // ignore another address's request (Serial Line V1.02 §2.1), on TCP the server plays an
  // RTU gateway without "target failed to respond" exceptions. Each of its reads times out.
  interface Bus {
    transport: PollBusConfig["transport"];
    unanswered(): number;
    stop(): Promise<void>;
  }
  const buses: [string, (s: ReturnType<typeof slaves>) => Promise<Bus>][] = [
    ["RTU over a socat pty", async (s) => {
      const pty = await startPtyPair(join(tmp.dir, "ttyRS485"));
      const server = new RtuPtyServer(s.devices, { path: pty.simPath, baud: 9600, clock: systemClock });
      await server.start();
      return {
        transport: { type: "serial", path: pty.path, baud: 9600, parity: "none", stopBits: 1 },
        unanswered: () => server.stats.notForUs,
        stop: async () => {
          await server.stop();
          await pty.stop();
        },
      };
    }],
    ["Modbus TCP", async (s) => {
      const server = new ModbusTcpServer(s.devices, { gatewayExceptions: false });
      const addr = await server.start();
      return { transport: { type: "tcp", host: "127.0.0.1", port: addr.port }, unanswered: () => server.stats.requests - server.stats.replies, stop: () => server.stop() };
    }],
  ];
  for (const [name, open] of buses)
    it(`${name}: a silent unit (every read times out) is flagged and polled less often; the live units on the same bus keep their values`, async () => {
      const s = slaves();
      const bus = await open(s);
      try {
        gw = await startGateway(tmp.dir, { polling: [{ transport: bus.transport, timeoutMs: 300, retries: 1, devices: devicesCfg }] }, systemClock);
        const m = gw.metrics;
        const polls = (device: string) => m.value("gateway_poll_transactions_total", { device }) ?? 0;
        const errors = (device: string) => m.value("gateway_poll_errors_total", { device }) ?? 0;
        // Five failed polls of the silent unit: past the third it is polled at 2×, then 4× its period.
        await waitFor(() => errors("ghost") >= 5, "five failed polls of the silent unit", 60_000);
        const ghost = latest(gw, "ghost.distance")!;
        expect(ghost.value).toBeNull();
        expect(ghost.flags).toBe(Q.MODBUS_ERROR);
        expect(ghost.reason).toMatch(/timed out/i);
        expect(bus.unanswered()).toBeGreaterThanOrEqual(10); // 5 polls × 2 attempts reached the bus
        expect(errors("ghost")).toBe(polls("ghost"));
        // The live units: never an error, and polled more often than the silent one once it backed off.
        expect(errors("lvl")).toBe(0);
        expect(errors("pile1")).toBe(0);
        expect(polls("lvl")).toBeGreaterThanOrEqual(polls("ghost") + 2);
        // A new value still comes through right after a time-out (the link was not reset or confused).
        s.level.tables.holding![0] = 2000;
        await waitFor(() => latest(gw!, "lvl.distance")!.value === 2, "the new level polled", 60_000);
        const id = gw.store.sensorId("gw1", "lvl.distance")!;
        const lvl = gw.store.rawReadings(id, 0, Number.MAX_SAFE_INTEGER);
        expect(lvl.filter((r) => r.value === null || r.flags !== 0)).toEqual([]);
        expect(errors("lvl")).toBe(0);
        expect(gw.store.sequenceGaps("gw1")).toEqual([]);
      } finally {
        await gw?.stop();
        gw = null;
        await bus.stop();
      }
    }, 120_000);

  it("over a socat pty as Modbus RTU (USB-RS485 path)", async () => {
    const s = slaves();
    let pty: PtyPair | null = null;
    let server: RtuPtyServer | null = null;
    try {
      pty = await startPtyPair(join(tmp.dir, "ttyRS485"));
      server = new RtuPtyServer(s.devices, { path: pty.simPath, baud: 9600, clock: systemClock });
      await server.start();
      gw = await startGateway(tmp.dir, { polling: [{ transport: { type: "serial", path: pty.path, baud: 9600 }, timeoutMs: 300, retries: 0, devices: devicesCfg.slice(0, 2) }] }, systemClock);
      await waitFor(() => latest(gw!, "pile1.t1") !== null && latest(gw!, "lvl.distance") !== null, "first poll over the pty");
      expect(latest(gw, "lvl.distance")!.value).toBeCloseTo(1.234, 6);
      expect(latest(gw, "pile1.t3")!.value).toBeCloseTo(55.5, 6);
      expect(server.stats.requests).toBeGreaterThanOrEqual(2);
    } finally {
      await gw?.stop();
      gw = null;
      await server?.stop();
      await pty?.stop();
    }
  });
});
