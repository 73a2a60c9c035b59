import { describe, expect, it } from "vitest";
import { Q } from "@manure-edge/protocol";
import { at, raised, runSynth } from "../testing/run";
import { synthFarm } from "../testing/synth";
import { DAY, HOUR, MIN } from "../util/time";

const within = (t: number | undefined, from: number, to: number) => {
  expect(t).toBeDefined();
  expect(t!).toBeGreaterThanOrEqual(from);
  expect(t!).toBeLessThanOrEqual(to);
};

describe("sensor health", () => {
  it("healthy counterpart: no health alert on a normal farm", () => {
    const out = runSynth(synthFarm({ seed: 41, days: 8 }));
    expect(out.transitions.filter((t) => t.rule.startsWith("H."))).toEqual([]);
    expect(out.annotations).toEqual([]);
  });

  it("stale: no reading for 3 intervals (at least 5 min) of data time; clears after the hold once readings resume", () => {
    const gap = { from: 2 * DAY + 12 * HOUR, to: 2 * DAY + 14 * HOUR };
    const out = runSynth(synthFarm({ seed: 42, days: 3, store: { gap }, pile: false, tanker: false }));
    const st = raised(out, "H.stale");
    expect(st).toHaveLength(1);
    expect(st[0]!.subject).toBe("sensor:pit1.lvl");
    within(st[0]!.t, at(2, 12) + 5 * MIN, at(2, 12) + 7 * MIN);
    const cleared = out.transitions.find((t) => t.rule === "H.stale" && t.to === "cleared");
    expect(cleared?.t).toBe(at(2, 14) + 60 * MIN);
  });

  it("stuck: the same level for 6 h raises, and the readings are annotated HEALTH_SUSPECT back to the start", () => {
    const stuck = { from: 2 * DAY, to: 2 * DAY + 8 * HOUR };
    const out = runSynth(synthFarm({ seed: 43, days: 3, store: { stuck }, pile: false, tanker: false }));
    const h = raised(out, "H.stuck");
    expect(h).toHaveLength(1);
    within(h[0]!.t, at(2) + 6 * HOUR, at(2) + 6 * HOUR + 2 * MIN);
    const ann = out.annotations.filter((a) => a.reason === "stuck");
    expect(ann[0]).toMatchObject({ sensor: "pit1.lvl", q: Q.HEALTH_SUSPECT });
    expect(ann[0]!.from).toBeLessThanOrEqual(at(2) + MIN);
    expect(ann[ann.length - 1]!.to).toBeGreaterThan(at(2, 7.9));
  });

  it("stuck needs the run to be seen: two equal readings either side of a 12 h outage raise nothing", () => {
    // The value is frozen from day 2 to day 2 + 13 h, but readings only arrive for 30 min either
    // side of a 12 h gap: 13 h from first to last equal reading, only 1 h of them seen.
    const stuck = { from: 2 * DAY, to: 2 * DAY + 13 * HOUR };
    const gap = { from: 2 * DAY + 30 * MIN, to: 2 * DAY + 12 * HOUR + 30 * MIN };
    const out = runSynth(synthFarm({ seed: 43, days: 3, store: { stuck, gap }, pile: false, tanker: false }));
    expect(raised(out, "H.stale")).toHaveLength(1); // the outage itself is seen
    expect(raised(out, "H.stuck")).toEqual([]);
    expect(out.annotations.filter((a) => a.reason === "stuck")).toEqual([]);
  });

  it("stuck after an outage: the run counts from the first reading after the gap", () => {
    const stuck = { from: 2 * DAY, to: 2 * DAY + 20 * HOUR };
    const gap = { from: 2 * DAY + 30 * MIN, to: 2 * DAY + 6 * HOUR };
    const out = runSynth(synthFarm({ seed: 43, days: 3, store: { stuck, gap }, pile: false, tanker: false }));
    const h = raised(out, "H.stuck");
    expect(h).toHaveLength(1);
    within(h[0]!.t, at(2, 12), at(2, 12) + 2 * MIN);
  });

  it("out of range: a probe reading 150 °C is flagged, annotated, and ignored by the compost rules", () => {
    const out = runSynth(synthFarm({ seed: 44, days: 8, store: false, tanker: false, pile: { outOfRange: { probe: 0, day: 6, hours: 8, value: 150 } } }));
    within(raised(out, "H.range")[0]?.t, at(6, 2), at(6, 2) + 10 * MIN);
    expect(out.annotations.filter((a) => a.reason === "out-of-range").length).toBeGreaterThan(90);
    expect(raised(out, "C5")).toEqual([]);
    expect(raised(out, "C6")).toEqual([]);
  });

  it("error rate: half the Modbus transactions failing over an hour", () => {
    const errors = { from: 2 * DAY, to: 2 * DAY + 3 * HOUR, share: 0.5 };
    const out = runSynth(synthFarm({ seed: 45, days: 3, store: { errors }, pile: false, tanker: false }));
    const h = raised(out, "H.errors");
    expect(h).toHaveLength(1);
    within(h[0]!.t, at(2), at(2, 1));
    expect(h[0]!.params.pct as number).toBeGreaterThan(20);
  });

  it("probes of one pile disagreeing beyond physics: a probe pulled out reads ambient; it is flagged and left out", () => {
    // Up to day 7.5 (the next turning, at day 8, cools the others for a few hours: they then agree again).
    const s = synthFarm({ seed: 46, days: 7.5, store: false, tanker: false, pile: { pulledOut: { probe: 2, day: 5 } } });
    const out = runSynth(s);
    const h = raised(out, "H.disagree");
    expect(h).toHaveLength(1);
    expect(h[0]!.subject).toBe("sensor:pile1.base");
    within(h[0]!.t, at(5, 2), at(5, 2) + 10 * MIN);
    expect(out.annotations.some((a) => a.reason === "probe-disagrees" && a.sensor === "pile1.base")).toBe(true);
    for (const r of ["C8", "C10"]) expect(raised(out, r)).toEqual([]);
    // Flagged readings are kept: every reading was processed, none dropped.
    expect(out.engine.state().counters.processed).toBe(s.readings.length);
  });
});
