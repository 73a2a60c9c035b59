import { describe, expect, it } from "vitest";
import loadCell from "@manure-edge/protocol/maps/load-cell.json";
import level from "@manure-edge/protocol/maps/ultrasonic-level.json";
import { Q, type RegisterMap } from "@manure-edge/protocol";
import { DEFAULT_MASTER, ModbusMaster } from "./master";
import { Poller } from "./poller";
import { BusSlave } from "../../test/bus-slave";
import { busRig } from "../../test/bus-master";

const maps = { "load-cell": loadCell as unknown as RegisterMap, "ultrasonic-level": level as unknown as RegisterMap };

describe("Poller", () => {
  it("weight: slow while stable, every `fast` s while it moves, the step signalled when it settles", () => {
    const { clock, bus, uart, de } = busRig();
    const m = new ModbusMaster(uart, de, clock, DEFAULT_MASTER);
    m.start();
    const t0 = clock.now();
    // 1 t on the scale; from 120 s to 140 s a load of 10 t goes in at 500 kg/s.
    const weight = () => {
      const t = (clock.now() - t0) / 1000;
      return t < 120 ? 1000 : t < 140 ? 1000 + (t - 120) * 500 : 11000;
    };
    const reads: number[] = [];
    new BusSlave(bus, clock, 3, () => {
      const w = Math.round(weight());
      reads.push(clock.now() - t0);
      return [w & 0xffff, (w >>> 16) & 0xffff, 1]; // s32 CDAB (low word first), status bit 0 = stable
    });
    const got: { t: number; key: string; v: number | null }[] = [];
    const steps: number[] = [];
    const p = new Poller(m, clock, [{ id: "scale", unit: 3, map: "load-cell", every: 30, fast: 1 }], maps,
      (key, v) => got.push({ t: clock.now() - t0, key, v }), () => steps.push(clock.now() - t0));
    p.start();
    clock.advance(119_000);
    const slow = reads.length;
    expect(slow).toBeLessThanOrEqual(5); // every 30 s
    clock.advance(31_000);
    const during = reads.filter((t) => t >= 120_000 && t < 150_000).length;
    expect(during).toBeGreaterThanOrEqual(15); // about every second while it moves
    clock.advance(120_000);
    expect(reads.filter((t) => t >= 180_000).length).toBeLessThanOrEqual(4); // slow again
    expect(steps.length).toBe(1);
    expect(steps[0]).toBeGreaterThan(140_000);
    expect(steps[0]).toBeLessThan(150_000);
    const w = got.filter((g) => g.key === "scale.weight");
    expect(w[w.length - 1].v).toBe(11000);
    expect(got.some((g) => g.key === "scale.stable" && g.v === 1)).toBe(true);
    expect(p.cycles).toBe(reads.length);
  });

  it("reads contiguous points in one request, and a dead device gives flagged readings with a reason", () => {
    const { clock, bus, uart, de } = busRig();
    const m = new ModbusMaster(uart, de, clock, { ...DEFAULT_MASTER, retries: 0 });
    m.start();
    const s = new BusSlave(bus, clock, 3, (a, n) => (a === 0 && n === 3 ? [500, 0, 1] : []));
    const got: [string, number | null, number, string | undefined][] = [];
    const p = new Poller(m, clock, [{ id: "scale", unit: 3, map: "load-cell", every: 10 }, { id: "lvl", unit: 9, map: "ultrasonic-level", every: 10 }], maps,
      (k, v, f, r) => got.push([k, v, f, r]), () => undefined);
    p.start();
    clock.advance(5_000);
    expect(s.requests).toBe(1); // weight + status in one read of 3 registers
    expect(got.find((g) => g[0] === "scale.weight")![1]).toBe(500);
    const dead = got.find((g) => g[0] === "lvl.distance")!;
    expect(dead[1]).toBeNull();
    expect(dead[2] & Q.MODBUS_ERROR).toBe(Q.MODBUS_ERROR);
    expect(dead[3]).toBe("timeout");
    expect(() => new Poller(m, clock, [{ id: "x", unit: 1, map: "nope", every: 1 }], maps, () => undefined, () => undefined)).toThrow(/nope/);
  });

  it("a bus slower than the poll intervals: the request queue never grows past one round, the live device keeps being read", () => {
    // ../shared/anchors.md (node-red-contrib-modbus: "queue grows until redeploy"). Three dead
    // units and a live one, all every second, 2 retries of a 200 ms time-out: a round of the dead
    // ones alone takes longer than the interval.
    const { clock, bus, uart, de } = busRig();
    const m = new ModbusMaster(uart, de, clock, { ...DEFAULT_MASTER, retries: 2 });
    m.start();
    const live = new BusSlave(bus, clock, 3, (a, n) => (a === 0 && n === 3 ? [500, 0, 1] : []));
    const devices = [
      { id: "scale", unit: 3, map: "load-cell", every: 1 },
      { id: "d1", unit: 11, map: "ultrasonic-level", every: 1 },
      { id: "d2", unit: 12, map: "ultrasonic-level", every: 1 },
      { id: "d3", unit: 13, map: "ultrasonic-level", every: 1 },
    ];
    const p = new Poller(m, clock, devices, maps, () => undefined, () => undefined);
    p.start();
    let most = 0;
    for (let s = 0; s < 3600; s++) {
      clock.advance(1000);
      most = Math.max(most, m.pending());
    }
    // One request per device (each map is read in one block) at most, however long it runs.
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(devices.length);
    expect(live.requests).toBeGreaterThan(600);
  });
});
