import { describe, expect, it } from "vitest";
import { fMoisture, fTemp } from "./compost-pile";
import { cst, farmOf, runFarm } from "./test-helpers";

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Longest run (days) of `pred` being true, sampled every step. */
function longest(samples: boolean[], stepMs: number): number {
  let best = 0;
  let run = 0;
  for (const s of samples) {
    run = s ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return (best * stepMs) / DAY;
}

describe("CompostPile", () => {
  it("a summer windrow: lag, rise past 55 °C within 4 days, plateau 55–70 °C, envelope cooler than core", () => {
    const farm = farmOf({ piles: [{ id: "pile-1", kind: "windrow" }] }, 1, cst(2025, 6, 1));
    const core: number[] = [];
    const env: number[] = [];
    runFarm(farm, 12 * DAY, 600_000, () => {
      core.push(farm.quantity("pile-1", "core"));
      env.push(farm.quantity("pile-1", "envelope"));
    });
    const at = (d: number) => core[Math.round((d * DAY) / 600_000) - 1];
    expect(at(0.5) - farm.quantity("pile-1", "ambient")).toBeLessThan(15); // still in the lag
    const firstAbove55 = core.findIndex((c) => c >= 55);
    expect(firstAbove55).toBeGreaterThan(0);
    expect((firstAbove55 * 600_000) / DAY).toBeLessThan(4);
    const plateau = core.slice(Math.round((4 * DAY) / 600_000));
    expect(Math.min(...plateau)).toBeGreaterThan(50);
    expect(Math.max(...core)).toBeLessThan(71);
    for (let i = 200; i < core.length; i++) expect(env[i]).toBeLessThan(core[i]);
  });

  it("a turning drops every probe sharply and the pile reheats to ≥ 55 °C within 48 h", () => {
    const farm = farmOf({ piles: [{ id: "pile-1" }] }, 2, cst(2025, 7, 1));
    runFarm(farm, 8 * DAY);
    const pile = farm.pile("pile-1");
    const before = pile.quantity("core");
    expect(before).toBeGreaterThan(55);
    pile.turn();
    expect(pile.quantity("turnings")).toBe(1);
    expect(before - pile.quantity("core")).toBeGreaterThan(12);
    expect(pile.quantity("oxygen")).toBe(1);
    let hours = 0;
    runFarm(farm, 2 * DAY, 600_000, () => {
      if (pile.quantity("core") < 55) hours += 600_000 / HOUR;
    });
    expect(hours).toBeGreaterThan(4);
    expect(hours).toBeLessThan(48);
  });

  it("normal batch with turnings meets harmlessness on the coolest probe (≥ 50 °C for ≥ 7 d)", () => {
    const farm = farmOf({ piles: [{ id: "pile-1" }] }, 3, cst(2025, 6, 1));
    const pile = farm.pile("pile-1");
    const coolest: boolean[] = [];
    for (let day = 1; day <= 40; day++) {
      if ([11, 16, 21, 26].includes(day)) pile.turn();
      runFarm(farm, DAY, 600_000, () => coolest.push(pile.quantity("coolest") >= 50));
    }
    expect(longest(coolest, 600_000)).toBeGreaterThanOrEqual(7);
    // ... and cools towards ambient once the substrate is used up.
    expect(pile.quantity("substrate")).toBeLessThan(0.25);
    expect(pile.quantity("core") - pile.quantity("ambient")).toBeLessThan(25);
  });

  it("fails to start in a north-east China winter (−20 °C cold snap)", () => {
    const farm = farmOf({ piles: [{ id: "pile-1" }] }, 4, cst(2025, 1, 10));
    farm.weather.coldSnap(farm.t, 10 * DAY, -8);
    let max = -Infinity;
    runFarm(farm, 7 * DAY, 600_000, () => (max = Math.max(max, farm.quantity("pile-1", "core"))));
    expect(max).toBeLessThan(45);
    expect(farm.quantity("pile-1", "core")).toBeLessThan(5);
  });

  it("too wet to start: 76 % moisture stays below 45 °C in summer", () => {
    const farm = farmOf({ piles: [{ id: "pile-1", moisturePct: 76 }] }, 5, cst(2025, 6, 15));
    let max = -Infinity;
    runFarm(farm, 7 * DAY, 600_000, () => (max = Math.max(max, farm.quantity("pile-1", "core"))));
    expect(max).toBeLessThan(45);
  });

  it("an energetic trough that is not turned overheats past 70 °C for more than 6 h", () => {
    const farm = farmOf({ piles: [{ id: "pile-1", kind: "trough", heatIndex: 1.5 }] }, 6, cst(2025, 7, 1));
    let longestHot = 0;
    runFarm(farm, 6 * DAY, 600_000, () => (longestHot = Math.max(longestHot, farm.quantity("pile-1", "hoursAbove70"))));
    expect(longestHot).toBeGreaterThan(6);
  });

  it("response curves are zero outside their range and 1 at their optimum", () => {
    expect(fTemp(-10)).toBe(0);
    expect(fTemp(90)).toBe(0);
    expect(fTemp(60)).toBeCloseTo(1, 6);
    expect(fMoisture(80)).toBe(0);
    expect(fMoisture(55)).toBe(1);
    expect(fMoisture(25)).toBe(0);
  });
});
