import { describe, expect, it } from "vitest";
import { validateRegisterMap } from "./validate";

const base = () => ({
  id: "dev",
  name: "A device",
  points: [{ name: "v", table: "holding", address: 0, type: "u16" }] as Record<string, unknown>[],
});

function bad(mut: (m: ReturnType<typeof base>) => void): { path: string; reason: string } {
  const m = base();
  mut(m);
  const r = validateRegisterMap(m);
  if (r.ok) throw new Error("expected invalid");
  return { path: r.path, reason: r.reason };
}

describe("validateRegisterMap names the field and the reason", () => {
  it("accepts the minimal map", () => expect(validateRegisterMap(base()).ok).toBe(true));
  it("root", () => {
    expect(validateRegisterMap(null)).toMatchObject({ ok: false, path: "" });
    expect(validateRegisterMap([])).toMatchObject({ ok: false, reason: expect.stringMatching(/object, got array/) });
    expect(bad((m) => (m.id = "a/b")).path).toBe("id");
    expect(bad((m) => Object.assign(m, { maxGap: -1 })).path).toBe("maxGap");
    expect(bad((m) => Object.assign(m, { maxRegisters: 126 })).reason).toMatch(/1..125/);
    expect(bad((m) => Object.assign(m, { colour: "red" })).path).toBe("colour");
    expect(bad((m) => (m.points = [])).reason).toMatch(/at least one/);
  });
  it("point fields", () => {
    expect(bad((m) => (m.points[0].sacle = 1))).toEqual({ path: "points[0].sacle", reason: expect.stringMatching(/unknown field/) });
    expect(bad((m) => (m.points[0].name = "a.b")).path).toBe("points[0].name");
    expect(bad((m) => (m.points[0].table = "holdings")).path).toBe("points[0].table");
    expect(bad((m) => (m.points[0].type = "u64")).path).toBe("points[0].type");
    expect(bad((m) => (m.points[0].address = 65536))).toEqual({ path: "points[0].address", reason: "must be within 0..65535, got 65536" });
    expect(bad((m) => (m.points[0].address = 1.5)).reason).toMatch(/integer/);
    expect(bad((m) => (m.points[0].scale = 0)).path).toBe("points[0].scale");
    expect(bad((m) => (m.points[0].offset = "1")).path).toBe("points[0].offset");
    expect(bad((m) => (m.points[0].unit = 5)).path).toBe("points[0].unit");
    expect(bad((m) => (m.points[0].poll = "no")).path).toBe("points[0].poll");
  });
  it("cross-field rules", () => {
    expect(bad((m) => (m.points[0].table = "coil")).reason).toMatch(/type must be bool/);
    expect(bad((m) => Object.assign(m.points[0], { type: "bool" })).reason).toMatch(/needs the bit number/);
    expect(bad((m) => Object.assign(m.points[0], { bit: 3 })).path).toBe("points[0].bit");
    expect(bad((m) => Object.assign(m.points[0], { type: "bool", bit: 16 })).reason).toMatch(/0..15/);
    expect(bad((m) => Object.assign(m.points[0], { order: "CDAB" })).reason).toMatch(/only to 32-bit/);
    expect(bad((m) => Object.assign(m.points[0], { type: "u32", order: "BACD" })).path).toBe("points[0].order");
    expect(bad((m) => Object.assign(m.points[0], { type: "f32", address: 65535 })).reason).toMatch(/needs 2 registers/);
    expect(bad((m) => Object.assign(m.points[0], { range: [5, 5] })).reason).toBe("min 5 must be less than max 5");
    expect(bad((m) => Object.assign(m.points[0], { range: [0] })).path).toBe("points[0].range");
    expect(bad((m) => Object.assign(m.points[0], { type: "s16", sentinel: 0x8000 })).reason).toMatch(/-32768/);
    expect(bad((m) => Object.assign(m.points[0], { sentinel: [1, "x"] })).path).toBe("points[0].sentinel[1]");
    expect(bad((m) => Object.assign(m.points[0], { table: "input", writable: true })).reason).toMatch(/read-only/);
    expect(bad((m) => Object.assign(m.points[0], { type: "bool", bit: 1, scale: 2 })).path).toBe("points[0].scale");
  });
  it("overlaps and duplicates", () => {
    expect(bad((m) => m.points.push({ name: "v", table: "input", address: 0, type: "u16" })).reason).toMatch(/duplicate name/);
    const o = bad((m) => {
      m.points[0].type = "u32";
      m.points.push({ name: "w", table: "holding", address: 1, type: "u16" });
    });
    expect(o).toEqual({ path: "points[1]", reason: "holding 1 is already used by points[0] (v)" });
    // Same address in another table is fine; bitfields may share a register with each other.
    const ok = base();
    ok.points.push({ name: "i", table: "input", address: 0, type: "u16" });
    ok.points.push({ name: "b0", table: "holding", address: 5, type: "bool", bit: 0 });
    ok.points.push({ name: "b1", table: "holding", address: 5, type: "bool", bit: 1 });
    expect(validateRegisterMap(ok).ok).toBe(true);
    ok.points.push({ name: "b1again", table: "holding", address: 5, type: "bool", bit: 1 });
    expect(validateRegisterMap(ok)).toMatchObject({ ok: false, path: "points[4]", reason: expect.stringMatching(/already used/) });
    const mixed = base();
    mixed.points.push({ name: "b", table: "holding", address: 0, type: "bool", bit: 2 });
    expect(validateRegisterMap(mixed)).toMatchObject({ ok: false, path: "points[1]" });
  });
});
