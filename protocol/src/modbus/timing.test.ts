import { describe, expect, it } from "vitest";
import { charTimeUs, t15Us, t35Us, txTimeUs } from "./timing";

describe("RTU timing (Serial Line V1.02 §2.5.1.1)", () => {
  it("uses 11-bit characters at and below 19200 baud", () => {
    expect(charTimeUs(9600)).toBeCloseTo(1145.833, 2);
    expect(t15Us(9600)).toBeCloseTo(1718.75, 2);
    expect(t35Us(9600)).toBeCloseTo(4010.417, 2);
    expect(t35Us(19200)).toBeCloseTo(2005.208, 2);
  });
  it("fixes 750 µs and 1750 µs above 19200 baud", () => {
    expect(t15Us(38400)).toBe(750);
    expect(t35Us(115200)).toBe(1750);
  });
  it("computes transmit time for the DE pin", () => {
    expect(txTimeUs(9600, 8)).toBeCloseTo(9166.67, 1);
    expect(txTimeUs(9600, 8, 10)).toBeCloseTo(8333.33, 1);
  });
});
