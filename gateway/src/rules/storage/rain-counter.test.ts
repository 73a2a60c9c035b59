import { describe, expect, it } from "vitest";
import { rainMm } from "./rain-counter";

const mm = { rainCounter: "cumulative", rainMmPerCount: 1 } as const;
const tips = { rainCounter: "cumulative", rainMmPerCount: 0.2 } as const;

describe("rain between two readings of a gauge", () => {
  it("is the increase of a cumulative counter, in mm", () => {
    expect(rainMm(mm, 12.4, 13.0)).toBeCloseTo(0.6, 9);
    expect(rainMm(tips, 100, 105)).toBeCloseTo(1.0, 9);
    expect(rainMm(mm, 5, 5)).toBe(0);
  });

  it("cannot be told from a cumulative gauge's first reading", () => {
    expect(rainMm(mm, null, 13)).toBeNull();
  });

  it("reads a decrease as a reset (rain since it) or, near 65 535, as a 16-bit wrap", () => {
    expect(rainMm(mm, 40.2, 0.4)).toBeCloseTo(0.4, 9);
    expect(rainMm(tips, 65_530, 4)).toBeCloseTo(10 * 0.2, 9);
  });

  it("takes an interval gauge's value as the interval's tips", () => {
    expect(rainMm({ rainCounter: "interval", rainMmPerCount: 0.5 }, null, 3)).toBeCloseTo(1.5, 9);
    expect(rainMm({ rainCounter: "interval", rainMmPerCount: 0.5 }, 99, 3)).toBeCloseTo(1.5, 9);
  });

  it("refuses a step no storm gives (a counter glitch) and a negative interval", () => {
    expect(rainMm(mm, 10, 400)).toBeNull();
    expect(rainMm({ rainCounter: "interval", rainMmPerCount: 1 }, null, -2)).toBeNull();
  });
});
