import { describe, expect, it } from "vitest";
import { decodePoint, encodeReadRequest, encodeWriteMultipleRegisters, encodeWriteSingleCoil, Q, type PointDef } from "@manure-edge/protocol";
import ultrasonic from "@manure-edge/protocol/maps/ultrasonic-level.json";
import pt100 from "@manure-edge/protocol/maps/pt100-8ch.json";
import loadCell from "@manure-edge/protocol/maps/load-cell.json";
import { VirtualClock } from "../clock/virtual-clock";
import { Rs485Bus } from "../bus/rs485-bus";
import { ProbeMaster, type ProbeResult } from "./probe-master";
import { RtuSlave } from "./rtu-slave";
import { SimSlave, type PointSource } from "./sim-slave";

function rig() {
  const clock = new VirtualClock({ start: Date.UTC(2026, 6, 1) });
  const bus = new Rs485Bus(clock, { baud: 9600 });
  const master = new ProbeMaster(bus, { chunkMs: 10, timeoutMs: 200 });
  const add = (s: SimSlave) => {
    const r = new RtuSlave(bus, s, { turnaroundMs: [5, 20] });
    r.start();
    return r;
  };
  const run = (req: Uint8Array): ProbeResult => {
    let out: ProbeResult | undefined;
    master.transact(req, (r) => (out = r));
    clock.advance(1000);
    if (!out) throw new Error("no result");
    return out;
  };
  return { clock, bus, master, add, run };
}

const point = (map: { points: unknown[] }, name: string) => (map.points as PointDef[]).find((p) => p.name === name)!;
const values = (r: ProbeResult) => {
  if (!r.ok) throw new Error(`expected a response, got ${r.error === "timeout" ? "timeout" : r.error.message}`);
  return r.response.values;
};

describe("SimSlave from a register map, over the byte-level bus", () => {
  it("a master reads the level sensor's distance: the source's value after the map's scale", () => {
    const { clock, add, run } = rig();
    let distance = 3.2567;
    add(new SimSlave(1, ultrasonic, (p) => (p.name === "distance" ? distance : undefined), { clock }));
    const p = point(ultrasonic, "distance");
    const regs = values(run(encodeReadRequest(1, 3, 0, 1)));
    expect(decodePoint(p, regs)).toEqual({ value: 3.257, flags: 0 }); // quantised to 1 mm
    distance = 1.5;
    expect(decodePoint(p, values(run(encodeReadRequest(1, 3, 0, 1)))).value).toBe(1.5);
  });

  it("8 PT100 channels with noise: quantised to 0.1 °C, mean and spread as configured, same seed same values", () => {
    const series = (seed: number) => {
      const { clock, add, run } = rig();
      const temps = [20, 35.5, 55, 61.2, 70, -5, 0, 12.34];
      add(new SimSlave(2, pt100, (p) => temps[Number(p.name.slice(1)) - 1], { clock, seed, noise: 0.5 }));
      const out: number[][] = [];
      for (let i = 0; i < 200; i++) {
        const regs = values(run(encodeReadRequest(2, 3, 0, 8)));
        out.push((pt100.points as PointDef[]).map((p) => decodePoint(p, regs, 0).value!));
      }
      return { out, temps };
    };
    const { out, temps } = series(7);
    for (let ch = 0; ch < 8; ch++) {
      const xs = out.map((r) => r[ch]);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
      expect(mean).toBeGreaterThan(temps[ch] - 0.15);
      expect(mean).toBeLessThan(temps[ch] + 0.15);
      expect(sd).toBeGreaterThan(0.4);
      expect(sd).toBeLessThan(0.6);
      for (const x of xs) expect(Math.abs(x * 10 - Math.round(x * 10))).toBeLessThan(1e-9);
    }
    expect(series(7).out).toEqual(out);
    expect(series(8).out).not.toEqual(out);
  });

  it("stuck, drift and unplugged probe", () => {
    const { clock, add, run } = rig();
    let t = 55;
    const slave = new SimSlave(3, pt100, (p) => (p.name === "t1" ? t : 20), { clock });
    add(slave);
    const t1 = point(pt100, "t1");
    const read1 = () => decodePoint(t1, values(run(encodeReadRequest(3, 3, 0, 1))));
    expect(read1().value).toBe(55);
    slave.point("t1").stick();
    t = 40;
    expect(read1().value).toBe(55);
    slave.point("t1").unstick();
    expect(read1().value).toBe(40);
    slave.point("t1").drift(0.5, clock.now());
    clock.advance(4 * 86_400_000);
    expect(read1().value).toBe(42);
    slave.point("t1").unplugged = true;
    const r = read1();
    expect(r.value).toBeNull();
    expect(r.flags & Q.SENSOR_FAULT).toBeTruthy();
  });

  it("power loss: no reply at all; power back: replies again", () => {
    const { clock, add, run } = rig();
    const slave = new SimSlave(1, ultrasonic, () => 2, { clock });
    const port = add(slave);
    slave.powerOff();
    expect(run(encodeReadRequest(1, 3, 0, 1))).toMatchObject({ ok: false, error: "timeout", received: 0 });
    expect(port.stats.unpowered).toBe(1);
    slave.powerOn();
    expect(values(run(encodeReadRequest(1, 3, 0, 1)))).toEqual([2000]);
  });

  it("load cell: s32 word-swapped weight, status bits, tare coil write, and the spec's exceptions", () => {
    const { clock, add, run } = rig();
    const writes: string[] = [];
    const slave = new SimSlave(4, loadCell, (p) => (p.name === "weight" ? 12345 : p.name === "stable" ? true : p.name === "overload" ? 0 : undefined), {
      clock,
      onWrite: (p, v) => writes.push(`${p.name}=${v}`),
    });
    add(slave);
    const regs = values(run(encodeReadRequest(4, 3, 0, 3)));
    expect(decodePoint(point(loadCell, "weight"), regs, 0).value).toBe(12345);
    expect(decodePoint(point(loadCell, "stable"), regs, 0).value).toBe(1);
    expect(decodePoint(point(loadCell, "overload"), regs, 0).value).toBe(0);
    expect(run(encodeWriteSingleCoil(4, 0, true)).ok).toBe(true);
    expect(writes).toEqual(["tare=1"]);
    const name = (r: ProbeResult) => (!r.ok && r.error !== "timeout" ? r.error.name : "none");
    expect(name(run(encodeWriteMultipleRegisters(4, 0, [1, 2])))).toBe("ILLEGAL DATA ADDRESS"); // weight is read-only
    expect(name(run(encodeReadRequest(4, 3, 2, 2)))).toBe("ILLEGAL DATA ADDRESS"); // past register 2
    expect(name(run(encodeReadRequest(4, 4, 0, 1)))).toBe("ILLEGAL FUNCTION"); // no input registers
    const unpluggedNoSentinel = new SimSlave(5, loadCell, () => 1, { clock });
    add(unpluggedNoSentinel);
    unpluggedNoSentinel.point("weight").unplugged = true;
    expect(name(run(encodeReadRequest(5, 3, 0, 2)))).toBe("SERVER DEVICE FAILURE");
  });

  it("refuses an invalid map with the field and reason", () => {
    const clock = new VirtualClock();
    const bad = { id: "x", name: "x", points: [{ name: "a", table: "holding", address: 0, type: "u64" }] };
    expect(() => new SimSlave(1, bad, (() => 0) as PointSource, { clock })).toThrow(/points\[0\]\.type/);
    expect(() => new SimSlave(0, ultrasonic, () => 0, { clock })).toThrow(/unit 0/);
  });
});

describe("SimSlave configuration points", () => {
  it("reads constants for points the physics does not model, and what a master wrote over them", () => {
    const clock = new VirtualClock();
    const map = {
      id: "cfg",
      name: "cfg",
      points: [
        { name: "decimals", table: "holding", address: 0, type: "u16", writable: true },
        { name: "level", table: "holding", address: 1, type: "u16", scale: 0.001 },
      ],
    };
    const s = new SimSlave(1, map, (p) => (p.name === "level" ? 1.234 : undefined), { clock, constants: { decimals: 3 } });
    expect(s.read("holding", 0, 2)).toEqual([3, 1234]);
    s.write("holding", 0, [2]);
    expect(s.read("holding", 0, 2)).toEqual([2, 1234]);
  });
});
