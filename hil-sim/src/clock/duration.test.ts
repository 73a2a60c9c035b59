import { describe, expect, it } from "vitest";
import { DurationError, formatDuration, parseDuration } from "./duration";

describe("ISO 8601 durations", () => {
  it.each([
    ["P3D", 3 * 86_400_000],
    ["PT6H", 6 * 3_600_000],
    ["P1DT12H30M", 86_400_000 + 12.5 * 3_600_000],
    ["PT0.5S", 500],
    ["PT1,5M", 90_000],
    ["P2W", 14 * 86_400_000],
    ["PT0S", 0],
    ["-PT1H", -3_600_000],
  ])("%s = %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["P", "PT", "3D", "P1M", "P1Y2D", "P1DT", "PT1H2D", "", "P1.5.2D"])("refuses %j", (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it("PT1M is one minute, P1M is refused as a month", () => {
    expect(parseDuration("PT1M")).toBe(60_000);
    expect(() => parseDuration("P1M")).toThrow(/months/);
  });

  it("formats back to a parseable duration", () => {
    for (const ms of [0, 1000, 90_000, 86_400_000, 3 * 86_400_000 + 6 * 3_600_000 + 1500])
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    expect(formatDuration(86_400_000 * 2 + 3_600_000)).toBe("P2DT1H");
  });
});
