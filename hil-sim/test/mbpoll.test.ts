import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ModbusRTU from "modbus-serial";
import { decodePoint, type PointDef } from "@manure-edge/protocol";
import ultrasonic from "@manure-edge/protocol/maps/ultrasonic-level.json";
import pt100 from "@manure-edge/protocol/maps/pt100-8ch.json";
import loadCell from "@manure-edge/protocol/maps/load-cell.json";
import { VirtualClock } from "../src/clock/virtual-clock";
import { systemClock } from "../src/clock/system";
import { SimSlave } from "../src/slaves/sim-slave";
import { unitsOf } from "../src/slaves/respond";
import { ModbusTcpServer } from "../src/serve/modbus-tcp";
import { RtuPtyServer } from "../src/serve/rtu-pty";
import { startPtyPair, type PtyPair } from "../src/serve/socat";
import { tempDir } from "../../test/support/tmp";

const MBPOLL = process.env.MBPOLL_BIN ?? "/usr/bin/mbpoll";

/** What the physics says (a function here; `farm-sim serve` plugs in the farm). */
const truth = {
  distance: 3.257,
  temps: [20, 35.5, 55, 61.2, 70, -5.3, 0, 12.3],
  weight: 12345,
};

const clock = new VirtualClock({ start: Date.UTC(2026, 6, 1) });
const slaves = [
  new SimSlave(1, ultrasonic, (p) => (p.name === "distance" ? truth.distance : undefined), { clock }),
  new SimSlave(2, pt100, (p) => truth.temps[Number(p.name.slice(1)) - 1], { clock }),
  new SimSlave(3, loadCell, (p) => (p.name === "weight" ? truth.weight : p.name === "stable" ? 1 : 0), { clock }),
];
const pt = (name: string) => (pt100.points as PointDef[]).find((p) => p.name === name)!;

function mbpoll(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(MBPOLL, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

/** mbpoll prints one "[ref]: value" line per value read. */
function parseValues(out: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const line of out.split("\n")) {
    const r = /^\[(\d+)\]:\s+(-?[\d.]+)/.exec(line.trim());
    if (r) m.set(Number(r[1]), Number(r[2]));
  }
  return m;
}

const s16 = (x: number) => (x > 0x7fff ? x - 0x10000 : x);

let tcp: ModbusTcpServer;
let port: number;
let pair: PtyPair;
let pty: RtuPtyServer;
let tmp: { dir: string; cleanup(): void };

beforeAll(async () => {
  tcp = new ModbusTcpServer(unitsOf(slaves));
  port = (await tcp.start()).port;
  tmp = tempDir("mbpoll-");
  pair = await startPtyPair(join(tmp.dir, "ttyFARM"));
  pty = new RtuPtyServer(unitsOf(slaves), { path: pair.simPath, clock: systemClock, turnaroundMs: 5 });
  await pty.start();
});

afterAll(async () => {
  await pty?.stop();
  await pair?.stop();
  await tcp?.stop();
  tmp?.cleanup();
});

describe("mbpoll (Debian) polls the simulated sensors over Modbus TCP", () => {
  it("reads the level sensor's distance (register 1 = PDU address 0) as the physics says", async () => {
    const r = await mbpoll(["-m", "tcp", "-p", String(port), "-a", "1", "-r", "1", "-c", "1", "-t", "4", "-1", "-o", "5", "127.0.0.1"]);
    expect(r.code, r.out).toBe(0);
    const v = parseValues(r.out);
    expect(v.get(1)! * 0.001).toBeCloseTo(truth.distance, 9);
  });

  it("reads the 8 PT100 channels (signed tenths of a degree)", async () => {
    const r = await mbpoll(["-m", "tcp", "-p", String(port), "-a", "2", "-r", "1", "-c", "8", "-t", "4", "-1", "-o", "5", "127.0.0.1"]);
    expect(r.code, r.out).toBe(0);
    const v = parseValues(r.out);
    for (let ch = 1; ch <= 8; ch++) {
      const raw = v.get(ch)!;
      expect(decodePoint(pt(`t${ch}`), [raw & 0xffff]).value).toBeCloseTo(truth.temps[ch - 1], 9);
      expect(s16(raw & 0xffff) / 10).toBeCloseTo(truth.temps[ch - 1], 9);
    }
  });

  it("reads the load cell's 32-bit word-swapped weight with -t 4:int (mbpoll's default word order is CDAB)", async () => {
    const r = await mbpoll(["-m", "tcp", "-p", String(port), "-a", "3", "-r", "1", "-c", "1", "-t", "4:int", "-1", "-o", "5", "127.0.0.1"]);
    expect(r.code, r.out).toBe(0);
    expect(parseValues(r.out).get(1)).toBe(truth.weight);
  });

  it("gets ILLEGAL DATA ADDRESS past the map", async () => {
    const r = await mbpoll(["-m", "tcp", "-p", String(port), "-a", "1", "-r", "20", "-c", "1", "-t", "4", "-1", "-o", "2", "127.0.0.1"]);
    expect(r.out).toMatch(/Illegal data address/i);
    expect(parseValues(r.out).size).toBe(0);
  });
});

describe("mbpoll polls the simulated sensors over a socat pty (Modbus RTU)", () => {
  it("reads the PT100 channels and the level sensor", async () => {
    const r = await mbpoll(["-m", "rtu", "-b", "9600", "-P", "none", "-a", "2", "-r", "1", "-c", "8", "-t", "4", "-1", "-o", "3", pair.path]);
    expect(r.code, r.out).toBe(0);
    const v = parseValues(r.out);
    for (let ch = 1; ch <= 8; ch++) expect(s16(v.get(ch)! & 0xffff) / 10).toBeCloseTo(truth.temps[ch - 1], 9);
    const lvl = await mbpoll(["-m", "rtu", "-b", "9600", "-P", "none", "-a", "1", "-r", "1", "-c", "1", "-t", "4", "-1", "-o", "3", pair.path]);
    expect(lvl.code, lvl.out).toBe(0);
    expect(parseValues(lvl.out).get(1)! * 0.001).toBeCloseTo(truth.distance, 9);
    expect(pty.stats.replies).toBeGreaterThanOrEqual(2);
  });

  it("gets no answer from an address nobody has (timeout)", async () => {
    const r = await mbpoll(["-m", "rtu", "-b", "9600", "-P", "none", "-a", "9", "-r", "1", "-c", "1", "-t", "4", "-1", "-o", "0.5", pair.path]);
    expect(parseValues(r.out).size).toBe(0);
    expect(r.out).toMatch(/timed out|timeout/i);
  });
});

describe("modbus-serial's ModbusRTU client (the gateway's future client) reads the same sensors", () => {
  it("over TCP", async () => {
    const c = new ModbusRTU();
    await c.connectTCP("127.0.0.1", { port });
    c.setTimeout(3000);
    c.setID(2);
    const r = await c.readHoldingRegisters(0, 8);
    expect(r.data.map((x) => s16(x) / 10)).toEqual(truth.temps);
    c.setID(1);
    const d = await c.readHoldingRegisters(0, 1);
    expect(d.data[0] * 0.001).toBeCloseTo(truth.distance, 9);
    await new Promise<void>((resolve) => c.close(() => resolve()));
  });

  it("over the pty (RTU)", async () => {
    const c = new ModbusRTU();
    await c.connectRTUBuffered(pair.path, { baudRate: 9600 });
    c.setTimeout(3000);
    c.setID(3);
    const r = await c.readHoldingRegisters(0, 3);
    // CDAB: low word first.
    expect(r.data[0] + r.data[1] * 65536).toBe(truth.weight);
    expect(r.data[2] & 1).toBe(1);
    await new Promise<void>((resolve) => c.close(() => resolve()));
  });
});
