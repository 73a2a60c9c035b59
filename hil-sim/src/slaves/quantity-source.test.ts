import { describe, expect, it } from "vitest";
import { decodePoint, type PointDef } from "@manure-edge/protocol";
import ultrasonic from "@manure-edge/protocol/maps/ultrasonic-level.json";
import { VirtualClock } from "../clock/virtual-clock";
import type { QuantitySource } from "../physics/model";
import { quantitySource } from "./quantity-source";
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
