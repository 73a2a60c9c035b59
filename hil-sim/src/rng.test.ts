import { describe, expect, it } from "vitest";
import { Rng } from "./rng";

describe("Rng", () => {
  it("the same seed and stream give the same sequence; another seed or stream differs", () => {
    const draw = (r: Rng) => Array.from({ length: 8 }, () => r.nextUint32());
    expect(draw(new Rng(42, "pit-1"))).toEqual(draw(new Rng(42, "pit-1")));
    expect(draw(new Rng(42, "pit-1"))).not.toEqual(draw(new Rng(43, "pit-1")));
    expect(draw(new Rng(42, "pit-1"))).not.toEqual(draw(new Rng(42, "pit-2")));
    expect(draw(new Rng(42))).not.toEqual(draw(new Rng("42")));
  });

  it("uniform draws are in [0,1) with mean ≈ 0.5", () => {
    const r = new Rng(1, "u");
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
    }
    expect(outside).toBe(0);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it("normal draws have the requested mean and standard deviation", () => {
    const r = new Rng(7, "n");
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal(10, 2);
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    const sd = Math.sqrt(s2 / n - mean * mean);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it("exponential draws have the requested mean", () => {
    const r = new Rng(9, "e");
    let s = 0;
    for (let i = 0; i < 100_000; i++) s += r.exponential(3);
    expect(s / 100_000).toBeCloseTo(3, 1);
  });
});
