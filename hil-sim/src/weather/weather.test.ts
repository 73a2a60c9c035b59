import { describe, expect, it } from "vitest";
import { CLIMATES, climateById } from "./climates";
import { Weather } from "./weather";

const HOUR = 3_600_000;
const DAY = 86_400_000;
// Local midnight, 1 January 2025, China Standard Time (UTC+8).
const START = Date.UTC(2025, 0, 1) - 8 * HOUR;

function simulateYear(climate: string, seed: number, stepMs = 600_000) {
  const w = new Weather(climateById(climate), seed, START);
  let sum = 0;
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  const monthlyRain = new Array<number>(12).fill(0);
  for (let t = START + stepMs; t <= START + 365 * DAY; t += stepMs) {
    w.step(t, stepMs);
    const temp = w.quantity("temperature");
    sum += temp;
    n++;
    min = Math.min(min, temp);
    max = Math.max(max, temp);
    monthlyRain[new Date(t + 8 * HOUR - 1).getUTCMonth()] += w.lastStepRainMm;
  }
  return { mean: sum / n, min, max, rain: w.quantity("rainTotal"), monthlyRain };
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe("weather", () => {
  it("ne-china-semiarid: a simulated year has mean ≈ 8.7 °C, ≈ 475 mm mostly in July–August, and deep winter cold", () => {
    const years = SEEDS.map((s) => simulateYear("ne-china-semiarid", s));
    for (const y of years) {
      expect(Math.abs(y.mean - 8.7)).toBeLessThan(1.2); // inter-annual spread of a real station
      // Semi-arid rainfall varies by a third from year to year (a real station does too).
      expect(Math.abs(y.rain - 475) / 475).toBeLessThan(0.4);
      expect(y.min).toBeLessThan(-18);
      expect(y.min).toBeGreaterThan(-34);
      expect(y.max).toBeGreaterThan(33);
      expect(y.max).toBeLessThan(46);
    }
    const mean = years.reduce((a, y) => a + y.mean, 0) / years.length;
    const rain = years.reduce((a, y) => a + y.rain, 0) / years.length;
    expect(Math.abs(mean - 8.7)).toBeLessThan(0.4);
    expect(Math.abs(rain - 475) / 475).toBeLessThan(0.12);
    // Summer monsoon: June–September carry most of the year's rain.
    const summer = years.reduce((a, y) => a + y.monthlyRain.slice(5, 9).reduce((p, q) => p + q, 0), 0);
    expect(summer / (rain * years.length)).toBeGreaterThan(0.6);
    // The coldest of the ten years reaches the −28 °C the issue names, within a few degrees.
    expect(Math.min(...years.map((y) => y.min))).toBeLessThan(-22);
  });

  it("hunan-subtropical: mean ≈ 17 °C, ≈ 1400 mm, wetter in spring/early summer than autumn", () => {
    const years = SEEDS.map((s) => simulateYear("hunan-subtropical", s));
    const mean = years.reduce((a, y) => a + y.mean, 0) / years.length;
    const rain = years.reduce((a, y) => a + y.rain, 0) / years.length;
    expect(Math.abs(mean - 17)).toBeLessThan(0.5);
    expect(Math.abs(rain - 1400) / 1400).toBeLessThan(0.1);
    const sumMonths = (from: number, to: number) =>
      years.reduce((a, y) => a + y.monthlyRain.slice(from, to).reduce((p, q) => p + q, 0), 0);
    expect(sumMonths(3, 6)).toBeGreaterThan(1.8 * sumMonths(8, 11)); // Apr–Jun vs Sep–Nov
  });

  it("rain totals do not depend on the step; the same seed repeats exactly", () => {
    const a = simulateYear("ne-china-semiarid", 9, 60_000);
    const b = simulateYear("ne-china-semiarid", 9, 600_000);
    expect(a.rain).toBeCloseTo(b.rain, 6);
    expect(simulateYear("ne-china-semiarid", 9, 600_000)).toEqual(b);
  });

  it("a forced storm adds its depth and a cold snap lowers the temperature", () => {
    const base = new Weather(CLIMATES["ne-china-semiarid"], 3, START);
    const forced = new Weather(CLIMATES["ne-china-semiarid"], 3, START);
    forced.storm(START + 10 * HOUR, 4 * HOUR, 60);
    forced.coldSnap(START + DAY, 3 * DAY, -12);
    let deepest = 0;
    for (let t = START + 60_000; t <= START + 5 * DAY; t += 60_000) {
      base.step(t, 60_000);
      forced.step(t, 60_000);
      deepest = Math.min(deepest, forced.temperature - base.temperature);
      if (t === START + 2 * DAY) expect(forced.temperature - base.temperature).toBeCloseTo(-12, 6);
      if (t === START + 12 * HOUR) expect(forced.temperature - base.temperature).toBeCloseTo(-1.5, 6); // rain cools
    }
    expect(forced.quantity("rainTotal") - base.quantity("rainTotal")).toBeCloseTo(60, 6);
    expect(deepest).toBeCloseTo(-12, 6);
  });

  it("night evaporation on an open surface in summer is in Ham's 0.2–2.2 mm range", () => {
    const w = new Weather(CLIMATES["ne-china-semiarid"], 4, START + 180 * DAY);
    let night = 0;
    for (let t = START + 180 * DAY + 60_000; t <= START + 181 * DAY; t += 60_000) {
      w.step(t, 60_000);
      if (w.quantity("daylight") === 0) night += w.lastStepEvapMm;
    }
    expect(night).toBeGreaterThan(0.2);
    expect(night).toBeLessThan(2.2);
  });

  it("refuses an unknown climate and an unknown quantity", () => {
    expect(() => climateById("mars")).toThrow(/unknown climate "mars"/);
    expect(() => new Weather(CLIMATES["hunan-subtropical"], 1, START).quantity("snow")).toThrow(/no quantity "snow"/);
  });
});
