import { describe, expect, it } from "vitest";
import { decodePoint, type PointDef } from "@manure-edge/protocol";
import ultrasonic from "@manure-edge/protocol/maps/ultrasonic-level.json";
import { VirtualClock } from "../clock/virtual-clock";
import type { QuantitySource } from "../physics/model";
import { quantitySource, unitFactor } from "./quantity-source";
import { SimSlave } from "./sim-slave";
import { execute } from "./register-space";

function pit(): QuantitySource & { depth: number } {
  return {
    id: "pit-1",
    kind: "slurry-store",
    quantities: { headspace: "m", level: "m" },
    depth: 1.234,
    quantity(name: string) {
      if (name === "headspace") return 4 - this.depth;
      if (name === "level") return this.depth;
      throw new Error(name);
    },
  };
}

describe("quantitySource", () => {
  it("reads the bound model quantity at every request", () => {
    const clock = new VirtualClock();
    const model = pit();
    const s = new SimSlave(1, ultrasonic, quantitySource(model, { distance: "headspace" }), { clock });
    const p = (ultrasonic.points as PointDef[])[0];
    const read = () => decodePoint(p, execute(s, { unit: 1, fc: 3, address: 0, count: 1, values: [] })).value;
    expect(read()).toBe(2.766);
    model.depth = 2;
    expect(read()).toBe(2);
  });

  it("names the model and its quantities when a binding is wrong", () => {
    const src = quantitySource(pit(), { distance: "ullage" });
    const p = (ultrasonic.points as PointDef[])[0];
    expect(() => src(p)).toThrow(/pit-1 .* no quantity "ullage".*headspace, level/);
  });

  it("leaves points the model does not know undefined", () => {
    const src = quantitySource(pit());
    expect(src((ultrasonic.points as PointDef[])[0])).toBeUndefined();
  });
});

describe("unit conversion between a model and a map", () => {
  it("converts t to kg and mm to m, passes unknown units, refuses different dimensions", () => {
    expect(unitFactor("t", "kg", "x")).toBe(1000);
    expect(unitFactor("mm", "m", "x")).toBe(0.001);
    expect(unitFactor("°C", "°C", "x")).toBe(1);
    expect(unitFactor("m³", "m", "x")).toBe(1);
    expect(() => unitFactor("t", "m", "tanker.weight → weight")).toThrow(/tanker.weight → weight: the model gives t \(mass\), the map wants m \(length\)/);
  });

  it("a tanker model in tonnes feeds a load cell map in kg", () => {
    const tanker: QuantitySource = { id: "tk", kind: "tanker", quantities: { weight: "t the load cells see" }, quantity: () => 12.5 };
    const src = quantitySource(tanker);
    expect(src({ name: "weight", table: "holding", address: 0, type: "s32", unit: "kg" })).toBe(12500);
  });
});
