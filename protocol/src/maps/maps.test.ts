import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeReadRegistersResponse, encodeReadRequest, decodeResponse } from "../modbus/rtu";
import { Q } from "../wire/types";
import { decodePoint, encodePoint, writePoint } from "./decode";
import { planReads } from "./plan";
import { PointDef, RegisterMap } from "./types";
import { validateRegisterMap } from "./validate";

const MAPS_DIR = join(__dirname, "..", "..", "maps");

function pt(p: Partial<PointDef>): PointDef {
  return { name: "x", table: "holding", address: 0, type: "u16", ...p } as PointDef;
}

describe("shipped register maps", () => {
  const files = readdirSync(MAPS_DIR).filter((f) => f.endsWith(".json"));
  it("ships the devices of compost yards and slurry pits", () => {
    expect(files.sort()).toEqual(
      ["ambient-th", "hydrostatic-level", "load-cell", "pt100-4ch", "pt100-8ch", "rain-gauge", "ultrasonic-level"].map((f) => f + ".json"),
    );
  });
  for (const f of files) {
    it(f + " is valid, its id is its file name, and it plans into reads", () => {
      const json = JSON.parse(readFileSync(join(MAPS_DIR, f), "utf8"));
      const r = validateRegisterMap(json);
      if (!r.ok) throw new Error(f + ": " + r.path + ": " + r.reason);
      expect(r.value.id + ".json").toBe(f);
      const blocks = planReads(r.value.points, { maxGap: r.value.maxGap });
      expect(blocks.length).toBeGreaterThan(0);
      for (const b of blocks) expect(b.count).toBeLessThanOrEqual(125);
    });
  }

  it("a PT100 module's probe break is a sensor fault, a hot heap is a value", () => {
    const m = JSON.parse(readFileSync(join(MAPS_DIR, "pt100-8ch.json"), "utf8")) as RegisterMap;
    const [block] = planReads(m.points, { maxGap: m.maxGap });
    expect([block.fc, block.address, block.count]).toEqual([3, 0, 8]);
    const regs = [652, 0x8000, 0x7fff, 0xffd8, 0, 1, 2, 3]; // 65.2, break, break, -4.0 ...
    const v = m.points.map((p) => decodePoint(p, regs, block.address));
    expect(v[0]).toEqual({ value: 65.2, flags: 0 });
    expect(v[1].value).toBeNull();
    expect(v[1].flags).toBe(Q.SENSOR_FAULT);
    expect(v[2].flags).toBe(Q.SENSOR_FAULT);
    expect(v[3]).toEqual({ value: -4, flags: 0 });
  });

  it("a load-cell transmitter reads weight CDAB and the stable bit in one request", () => {
    const m = JSON.parse(readFileSync(join(MAPS_DIR, "load-cell.json"), "utf8")) as RegisterMap;
    const blocks = planReads(m.points, { maxGap: m.maxGap });
    expect(blocks.map((b) => [b.fc, b.address, b.count])).toEqual([[3, 0, 3]]); // tare/zero coils are not polled
    // 12 345 kg = 0x00003039, low word first; status 0x0001 = stable.
    const req = encodeReadRequest(3, 3, 0, 3);
    const res = decodeResponse(req, encodeReadRegistersResponse(3, 3, [0x3039, 0x0000, 0x0001]));
    if (!res.ok) throw new Error(res.message);
    const byName: Record<string, unknown> = {};
    for (const p of blocks[0].points) byName[p.name] = decodePoint(p, res.values, 0).value;
    expect(byName).toEqual({ weight: 12345, stable: 1, overload: 0 });
  });
});

describe("decodePoint", () => {
  // 0x41 0x48 0x00 0x00 = 12.5f, 0x12345678 for 32-bit integers, in each order.
  const orders: [string, number[], number[]][] = [
    ["ABCD", [0x4148, 0x0000], [0x1234, 0x5678]],
    ["CDAB", [0x0000, 0x4148], [0x5678, 0x1234]],
    ["BADC", [0x4841, 0x0000], [0x3412, 0x7856]],
    ["DCBA", [0x0000, 0x4841], [0x7856, 0x3412]],
  ];
  for (const [order, f, i] of orders) {
    it("reads f32 and u32 in " + order, () => {
      expect(decodePoint(pt({ type: "f32", order: order as PointDef["order"] }), f).value).toBe(12.5);
      expect(decodePoint(pt({ type: "u32", order: order as PointDef["order"] }), i).value).toBe(0x12345678);
    });
  }

  it("signed types, scale and offset", () => {
    expect(decodePoint(pt({ type: "s16" }), [0xffff]).value).toBe(-1);
    expect(decodePoint(pt({ type: "u16" }), [0xffff]).value).toBe(65535);
    expect(decodePoint(pt({ type: "s32" }), [0xffff, 0xfffe]).value).toBe(-2);
    expect(decodePoint(pt({ type: "u32" }), [0xffff, 0xffff]).value).toBe(4294967295);
    expect(decodePoint(pt({ type: "s16", scale: 0.1 }), [3]).value).toBe(0.3);
    expect(decodePoint(pt({ type: "u16", scale: 0.01, offset: -40 }), [6543]).value).toBe(25.43);
    expect(decodePoint(pt({ type: "f32" }), [0x41bb, 0x3333]).value).toBe(23.4);
  });

  it("bits of coils and of registers", () => {
    expect(decodePoint(pt({ table: "coil", type: "bool" }), [1]).value).toBe(1);
    expect(decodePoint(pt({ type: "bool", bit: 15 }), [0x8000]).value).toBe(1);
    expect(decodePoint(pt({ type: "bool", bit: 14 }), [0x8000]).value).toBe(0);
  });

  it("sentinel -> SENSOR_FAULT with no value; NaN too; range -> OUT_OF_RANGE with the value kept", () => {
    const d = decodePoint(pt({ sentinel: 65535, scale: 0.001, range: [0.25, 10] }), [65535]);
    expect(d).toEqual({ value: null, flags: Q.SENSOR_FAULT, reason: "device reports fault (raw 65535)" });
    expect(decodePoint(pt({ type: "f32" }), [0x7fc0, 0]).flags).toBe(Q.SENSOR_FAULT);
    const o = decodePoint(pt({ scale: 0.001, range: [0.25, 10] }), [120]);
    expect(o.value).toBe(0.12);
    expect(o.flags).toBe(Q.OUT_OF_RANGE);
    expect(o.reason).toMatch(/outside plausible range \[0.25, 10\]/);
  });

  it("a point outside the block read is a Modbus error, not a wrong value", () => {
    expect(decodePoint(pt({ address: 10, type: "u32" }), [1, 2], 9).flags).toBe(Q.MODBUS_ERROR);
    expect(decodePoint(pt({ address: 10 }), [1, 2], 9).value).toBe(2);
  });

  it("encodePoint is the inverse of decodePoint (property)", () => {
    const typeArb = fc.constantFrom("u16", "s16", "u32", "s32", "f32");
    const orderArb = fc.constantFrom("ABCD", "CDAB", "BADC", "DCBA");
    fc.assert(
      fc.property(typeArb, orderArb, fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (type, order, r0, r1) => {
        const p = pt({ type: type as PointDef["type"], order: type.length === 3 && type !== "u16" && type !== "s16" ? (order as PointDef["order"]) : undefined, scale: 0.1, offset: 5 });
        const regs = type === "u16" || type === "s16" ? [r0] : [r0, r1];
        const d = decodePoint(p, regs);
        if (d.value === null) return; // NaN/Infinity f32 patterns
        const back = decodePoint(p, encodePoint(p, d.value));
        if (type === "f32") expect(Math.abs((back.value as number) - d.value)).toBeLessThanOrEqual(Math.abs(d.value) * 1e-6 + 1e-6);
        else expect(back.value).toBe(d.value);
      }),
      { numRuns: 2000 },
    );
  });

  it("encodePoint saturates, writes the sentinel for null, and merges bits", () => {
    expect(encodePoint(pt({ type: "s16" }), 1e9)).toEqual([0x7fff]);
    expect(encodePoint(pt({ type: "u16" }), -5)).toEqual([0]);
    expect(encodePoint(pt({ type: "s16", sentinel: [-32768, 32767] }), null)).toEqual([0x8000]);
    expect(() => encodePoint(pt({}), null)).toThrow(/no sentinel/);
    expect(encodePoint(pt({ type: "s32", order: "CDAB" }), 12345)).toEqual([0x3039, 0]);
    const regs = [0x0100];
    writePoint(pt({ type: "bool", bit: 0 }), 1, regs);
    writePoint(pt({ type: "bool", bit: 8 }), 0, regs);
    expect(regs).toEqual([0x0001]);
  });
});

describe("planReads", () => {
  const P = (name: string, address: number, type = "u16", table = "holding", poll?: boolean) =>
    ({ name, table, address, type, poll }) as PointDef;

  it("coalesces contiguous registers per table into the fewest requests", () => {
    const pts = [P("c", 5, "u32"), P("a", 0), P("b", 1), P("i", 0, "u16", "input"), P("d", 10), P("k", 3, "bool", "coil")];
    const plan = planReads(pts);
    expect(plan.map((b) => [b.table, b.fc, b.address, b.count, b.points.map((p) => p.name).join("")])).toEqual([
      ["coil", 1, 3, 1, "k"],
      ["holding", 3, 0, 2, "ab"],
      ["holding", 3, 5, 2, "c"],
      ["holding", 3, 10, 1, "d"],
      ["input", 4, 0, 1, "i"],
    ]);
    const gap3 = planReads(pts, { maxGap: 3 });
    expect(gap3.filter((b) => b.table === "holding").map((b) => [b.address, b.count])).toEqual([[0, 11]]);
  });

  it("never exceeds maxRegisters, skips points not polled, shares registers of bitfields", () => {
    const many: PointDef[] = [];
    for (let i = 0; i < 300; i++) many.push(P("p" + i, i));
    const plan = planReads(many);
    expect(plan.map((b) => b.count)).toEqual([125, 125, 50]);
    expect(planReads(many, { maxRegisters: 100 }).length).toBe(3);
    expect(planReads([P("t", 0, "bool", "coil", false)])).toEqual([]);
    const bits = [{ ...P("s", 2, "bool"), bit: 0 }, { ...P("o", 2, "bool"), bit: 1 }, P("w", 0, "s32")];
    expect(planReads(bits).map((b) => [b.address, b.count])).toEqual([[0, 3]]);
  });

  it("gives every point exactly one block that contains it (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 2000 }), { maxLength: 200 }).map((addrs) => addrs.map((a, i) => P("p" + i, a * 2, i % 3 === 0 ? "u32" : "u16"))),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 2, max: 125 }),
        (pts, maxGap, maxRegisters) => {
          const plan = planReads(pts, { maxGap, maxRegisters });
          let n = 0;
          for (const b of plan) {
            expect(b.count).toBeLessThanOrEqual(maxRegisters);
            for (const p of b.points) {
              n++;
              expect(p.address).toBeGreaterThanOrEqual(b.address);
              expect(p.address + (p.type === "u32" ? 2 : 1)).toBeLessThanOrEqual(b.address + b.count);
            }
          }
          expect(n).toBe(pts.length);
          // Fewest requests: consecutive blocks could not have been merged.
          for (let i = 1; i < plan.length; i++) {
            const a = plan[i - 1];
            const b = plan[i];
            const gap = b.address - (a.address + a.count);
            expect(gap > maxGap || b.address + b.count - a.address > maxRegisters || b.points[0].address < a.address + a.count).toBe(true);
          }
        },
      ),
    );
  });
});
