import type { FacilitiesInput } from "../config";
import type { FarmEvent, RuleReading } from "../types";
import { DAY, HOUR, MIN } from "../util/time";
import { rng, type Rng } from "./rng";

/**
 * Synthetic farm for the rules' tests: one open slurry store with a level sensor (distance
 * above the surface) and a rain gauge, one windrow with three probes and an ambient sensor,
 * one tanker with a load cell and GNSS, all on data time from a seed. Physics is simple but
 * honest: flushes twice a day, evaporation, seepage, rain, tanker loads that lower the pit,
 * a compost curve with turnings that drop and reheat. Faults are switched on by options.
 */

export const T0 = Date.parse("2026-06-01T00:00:00+08:00");
export const PIT: [number, number] = [45.0, 124.0];
export const FIELD: [number, number] = [45.01, 124.01];
const FIELD_POLY: [number, number][] = [
  [FIELD[0] - 0.002, FIELD[1] - 0.0028], [FIELD[0] - 0.002, FIELD[1] + 0.0028],
  [FIELD[0] + 0.002, FIELD[1] + 0.0028], [FIELD[0] + 0.002, FIELD[1] - 0.0028],
];

export interface StoreFaults {
  covered?: boolean;
  coverBroken?: boolean;
  leakMmD?: number;
  undeclaredCatchmentM2?: number;
  /** Extra rain events: day, local start hour, duration h, mm. */
  rains?: { day: number; hour: number; hours: number; mm: number }[];
  /** Level drop with nothing recorded: day, local hour, metres over 1 h. */
  dump?: { day: number; hour: number; m: number };
  /** A logged pump-out: day, local hour, metres over 3 h. */
  pumpOut?: { day: number; hour: number; m: number };
  startLevelM?: number;
  /** Multiplier of the herd's inflow. */
  inflowFactor?: number;
  noiseM?: number;
  stuck?: { from: number; to: number };
  gap?: { from: number; to: number };
  errors?: { from: number; to: number; share: number };
}

export interface PileFaults {
  ambientMeanC?: number;
  failStart?: boolean;
  /** Probe index returning SENSOR_FAULT (null) from this day on. */
  unplug?: { probe: number; day: number };
  overheat?: { day: number; hours: number; addC: number };
  coldZone?: { fromDay: number; belowCoreC: number };
  noReheat?: { day: number };
  rainDrop?: { day: number; dropC: number };
  /** A probe pulled out: reads ambient from this day on. */
  pulledOut?: { probe: number; day: number };
  outOfRange?: { probe: number; day: number; hours: number; value: number };
  /** Turnings (days) and which are logged by the operator. */
  turnings?: { day: number; logged: boolean }[];
  releaseDay?: number | null;
}

export interface TankerFaults {
  roadDischargeDay?: number;
  /** On this day the tanker pumps its load back into the pit instead of driving out. */
  returnToPitDay?: number;
  weighFactor?: number;
  tripsPerDay?: number;
  noPosition?: boolean;
  areaMu?: number;
  /**
   * Load-cell sloshing while driving as hil-sim's tanker model makes it: an AR(1) wobble with a
   * 20 s time constant and this standard deviation in % of the load (hil-sim default 3).
   */
  sloshPct?: number;
}

export interface SynthOptions {
  seed: number;
  days: number;
  store?: StoreFaults | false;
  pile?: PileFaults | false;
  tanker?: TankerFaults | false;
}

export interface Synth {
  config: FacilitiesInput;
  readings: RuleReading[];
  events: FarmEvent[];
}

const localH = (t: number) => ((((t - T0) % DAY) + DAY) % DAY) / HOUR;
const round = (x: number, step: number) => Math.round(x / step) * step;

interface Trip {
  start: number;
  tonnes: number;
}

export function synthFarm(o: SynthOptions): Synth {
  const r = rng(o.seed);
  const end = T0 + o.days * DAY;
  const readings: RuleReading[] = [];
  const events: FarmEvent[] = [];
  const config: FacilitiesInput = { stores: [], piles: [], tankers: [] };
  const tk = o.tanker === false ? null : (o.tanker ?? {});
  const trips: Trip[] = [];
  if (tk !== null) {
    for (let d = 1; d < o.days; d++) {
      for (let k = 0; k < (tk.tripsPerDay ?? 1); k++) trips.push({ start: T0 + d * DAY + (9 + 2 * k) * HOUR, tonnes: 10 });
    }
  }
  const ambMean = o.pile === false ? 20 : (o.pile?.ambientMeanC ?? 20);
  const ra = rng(o.seed + 1000);
  for (let t = T0; t < end; t += 5 * MIN) readings.push({ sensor: "amb.t", t, v: Math.round((ambientAt(ambMean, t) + ra.normal(0.2)) * 10) / 10, q: 0 });
  if (o.store !== false) genStore(r, o.store ?? {}, end, trips, readings, events, config, tk !== null);
  if (o.pile !== false) genPile(r, o.pile ?? {}, o.days, end, readings, events, config);
  if (tk !== null) genTanker(r, tk, end, trips, readings, config, o.store !== false);
  readings.sort((a, b) => a.t - b.t || (a.sensor < b.sensor ? -1 : a.sensor > b.sensor ? 1 : 0));
  events.sort((a, b) => a.t - b.t);
  return { config, readings, events };
}

function genStore(r: Rng, f: StoreFaults, end: number, trips: Trip[], out: RuleReading[], events: FarmEvent[], config: FacilitiesInput, withTanker: boolean): void {
  const surface = 400;
  const depth = 3;
  const mount = 0.5;
  const density = 1.02;
  const covered = f.covered ?? false;
  config.stores!.push({
    id: "pit1", type: "concrete", covered, surfaceM2: surface, depthToLipM: depth,
    mounting: { kind: "distance-above", mountHeight: mount }, levelSensor: "pit1.lvl", rainSensor: "pit1.rain", rainMmPerCount: 0.2,
    ambientSensor: "amb.t", catchmentM2: 0, requiredStorageDays: 60, density, herdPigEquivalents: 1000, designStormMm: 100,
    thresholds: { levelNoiseM: 0.003 },
  });
  const rains = [
    { day: 10, hour: 11, hours: 3, mm: 15 }, { day: 25, hour: 12, hours: 2, mm: 8 }, { day: 40, hour: 11, hours: 3, mm: 20 },
    ...(f.rains ?? []),
  ];
  const inflowM3PerMin = (12 * (f.inflowFactor ?? 1)) / 60; // two 30-min flushes a day
  let level = f.startLevelM ?? 0.8;
  let rainCounter = 0;
  let rainMmAcc = 0;
  let stuckV: number | null = null;
  const noise = f.noiseM ?? 0.002;
  if (withTanker) void 0;
  for (let t = T0; t < end; t += MIN) {
    const h = localH(t);
    const night = h >= 22 || h < 5;
    let dm = 0;
    if ((h >= 7 && h < 7.5) || (h >= 17 && h < 17.5)) dm += inflowM3PerMin / surface;
    if (!covered) dm -= (night ? 2 : 5) / 1000 / 1440;
    dm -= (0.5 + (f.leakMmD ?? 0)) / 1000 / 1440;
    let rainMm = 0;
    for (const rn of rains) {
      const a = T0 + rn.day * DAY + rn.hour * HOUR;
      if (t >= a && t < a + rn.hours * HOUR) rainMm += rn.mm / (rn.hours * 60);
    }
    if (rainMm > 0) {
      const into = covered ? (f.coverBroken ? 0.8 : 0) : 1 + (f.undeclaredCatchmentM2 ?? 0) / surface;
      dm += (rainMm / 1000) * into;
      rainMmAcc += rainMm;
      while (rainMmAcc >= 0.2) {
        rainMmAcc -= 0.2;
        rainCounter++;
      }
    }
    for (const tr of trips) if (t >= tr.start && t < tr.start + 10 * MIN) dm -= tr.tonnes / density / surface / 10;
    if (f.dump !== undefined) {
      const a = T0 + f.dump.day * DAY + f.dump.hour * HOUR;
      if (t >= a && t < a + HOUR) dm -= f.dump.m / 60;
    }
    if (f.pumpOut !== undefined) {
      const a = T0 + f.pumpOut.day * DAY + f.pumpOut.hour * HOUR;
      if (t === a) events.push({ t: a, facility: "pit1", kind: "pump-out", data: { durationMin: 180 } });
      if (t >= a && t < a + 3 * HOUR) dm -= f.pumpOut.m / 180;
    }
    level += dm;
    const inGap = f.gap !== undefined && t >= T0 + f.gap.from && t < T0 + f.gap.to;
    if (!inGap) {
      let v = round(mount + depth - level + r.normal(noise), 0.001);
      if (f.stuck !== undefined && t >= T0 + f.stuck.from && t < T0 + f.stuck.to) v = stuckV ??= v;
      const err = f.errors !== undefined && t >= T0 + f.errors.from && t < T0 + f.errors.to && r.next() < f.errors.share;
      out.push(err ? { sensor: "pit1.lvl", t, v: null, q: 1 } : { sensor: "pit1.lvl", t, v: Math.round(v * 1000) / 1000, q: 0 });
    }
    if ((t - T0) % (5 * MIN) === 0) out.push({ sensor: "pit1.rain", t: t + 1000, v: rainCounter, q: 0 });
  }
}

function ambientAt(mean: number, t: number): number {
  return mean + 6 * Math.sin((2 * Math.PI * (localH(t) - 9)) / 24);
}

function genPile(r: Rng, f: PileFaults, days: number, end: number, out: RuleReading[], events: FarmEvent[], config: FacilitiesInput): void {
  const amb = f.ambientMeanC ?? 20;
  const built = T0 + 2 * HOUR;
  const turnings = f.turnings ?? [
    { day: 4, logged: true }, { day: 8, logged: false }, { day: 12, logged: true }, { day: 16, logged: false },
  ];
  const release = f.releaseDay === undefined ? 45 : f.releaseDay;
  config.piles!.push({
    id: "pile1", kind: "windrow", ambientSensor: "amb.t", preset: "gbt36195",
    probes: [{ sensor: "pile1.core", position: "core" }, { sensor: "pile1.outer", position: "outer" }, { sensor: "pile1.base", position: "base" }],
  });
  events.push({ t: built, facility: "pile1", kind: "built" });
  for (const tu of turnings) if (tu.logged) events.push({ t: T0 + tu.day * DAY + 10 * HOUR, facility: "pile1", kind: "turning" });
  if (release !== null && release < days) events.push({ t: T0 + release * DAY + 10 * HOUR, facility: "pile1", kind: "released" });
  const sensors = ["pile1.core", "pile1.outer", "pile1.base"];
  for (let t = T0; t < end; t += 5 * MIN) {
    const a = ambientAt(amb, t);
    if (t < built) continue;
    const d = (t - built) / DAY;
    let core: number;
    if (f.failStart) core = Math.max(2, amb + 10);
    else if (d < 3) core = amb + (62 - amb) * (d / 3);
    else if (d < 20) core = 62 - 0.2 * (d - 3);
    else if (d < 35) core = 58.6 - ((58.6 - (amb + 4)) * (d - 20)) / 15;
    else core = amb + 4;
    let off = 0;
    for (const tu of turnings) {
      const tt = T0 + tu.day * DAY + 10 * HOUR;
      if (t >= tt) off -= (f.noReheat?.day === tu.day ? 12 * Math.exp(-(t - tt) / (72 * HOUR)) : 12 * Math.exp(-(t - tt) / (3 * HOUR)));
    }
    if (f.rainDrop !== undefined) {
      const tt = T0 + f.rainDrop.day * DAY + 14 * HOUR;
      if (t >= tt) {
        const age = t - tt;
        const k = age < 2 * HOUR ? age / (2 * HOUR) : age < 50 * HOUR ? 1 : Math.exp(-(age - 50 * HOUR) / (48 * HOUR));
        off -= f.rainDrop.dropC * k;
      }
    }
    let coreAdd = 0;
    if (f.overheat !== undefined) {
      const tt = T0 + f.overheat.day * DAY;
      if (t >= tt && t < tt + f.overheat.hours * HOUR) coreAdd = f.overheat.addC;
    }
    const released = release !== null && t >= T0 + release * DAY + 10 * HOUR;
    const baseBelow = f.coldZone !== undefined && d >= f.coldZone.fromDay ? f.coldZone.belowCoreC : 7;
    const vals = released ? [a + 1, a + 1, a + 1] : [core + off + coreAdd, core + off - 5, core + off - baseBelow];
    sensors.forEach((s, i) => {
      let v: number | null = Math.round(((vals[i] as number) + r.normal(0.2)) * 10) / 10;
      let q = 0;
      if (f.unplug !== undefined && f.unplug.probe === i && d >= f.unplug.day) {
        v = null;
        q = 4;
      }
      if (f.pulledOut !== undefined && f.pulledOut.probe === i && d >= f.pulledOut.day) v = Math.round((a + r.normal(0.2)) * 10) / 10;
      if (f.outOfRange !== undefined && f.outOfRange.probe === i && d >= f.outOfRange.day && d < f.outOfRange.day + f.outOfRange.hours / 24) v = f.outOfRange.value;
      out.push({ sensor: s, t, v, q });
    });
  }
}

function lerp(a: [number, number], b: [number, number], k: number): [number, number] {
  return [a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k];
}

function genTanker(r: Rng, f: TankerFaults, end: number, trips: Trip[], out: RuleReading[], config: FacilitiesInput, withStore: boolean): void {
  config.tankers!.push({
    id: "tk1", weightSensor: "tk1.w", weightUnit: "kg", capacityT: 12, homePit: withStore ? "pit1" : undefined,
    fields: [{
      id: "field1", name: "East paddy", polygon: FIELD_POLY, areaMu: f.areaMu ?? 290, crop: "dry",
      seasons: [{ name: "2026-early", start: "2026-06-01", end: "2026-06-30" }, { name: "2026-late", start: "2026-07-01", end: "2026-08-31" }],
    }],
  });
  const factor = f.weighFactor ?? 1;
  const road: [number, number] = [45.005, 124.003];
  let t = T0;
  let ti = 0;
  const push = (w: number, pos: [number, number]) => {
    const reading: RuleReading = { sensor: "tk1.w", t, v: Math.round(w * factor * 1000 + r.normal(15)), q: 0 };
    if (!f.noPosition) reading.pos = [pos[0], pos[1], 1];
    out.push(reading);
  };
  while (t < end) {
    const trip = trips[ti];
    if (trip === undefined || t < trip.start) {
      push(0, PIT);
      t += 30_000;
      continue;
    }
    const tt = trip.start;
    const roadDump = f.roadDischargeDay !== undefined && Math.floor((tt - T0) / DAY) === f.roadDischargeDay;
    const W = trip.tonnes;
    const back = f.returnToPitDay !== undefined && Math.floor((tt - T0) / DAY) === f.returnToPitDay;
    const phases: { dur: number; fn: (k: number) => [number, [number, number], number]; drive?: true }[] = [
      { dur: 10 * MIN, fn: (k) => [W * k + r.normal(0.1), PIT, 0] },
      { dur: 5 * MIN, fn: () => [W, PIT, 0] },
      { dur: 10 * MIN, fn: (k) => [W, lerp(PIT, road, k), 0.4], drive: true },
      { dur: 10 * MIN, fn: (k) => [roadDump ? W - 4 * k : W, road, 0.4] },
      { dur: 10 * MIN, fn: (k) => [roadDump ? W - 4 : W, lerp(road, FIELD, k), 0.4], drive: true },
      { dur: 15 * MIN, fn: (k) => [(roadDump ? W - 4 : W) * (1 - k), [FIELD[0] + 0.001 * Math.sin(6 * k), FIELD[1] + 0.001 * k], 0.1] },
      { dur: 5 * MIN, fn: () => [0, FIELD, 0] },
      { dur: 20 * MIN, fn: (k) => [0, lerp(FIELD, PIT, k), 0] },
    ];
    if (back) phases.splice(2, phases.length - 2, { dur: 10 * MIN, fn: (k) => [W * (1 - k), PIT, 0.1] }, { dur: 5 * MIN, fn: () => [0, PIT, 0] });
    let ar = 0;
    const a = Math.exp(-5000 / 20_000);
    for (const ph of phases) {
      const p0 = t;
      while (t < p0 + ph.dur) {
        const [w, pos, slosh] = ph.fn((t - p0) / ph.dur);
        // Only drawn when asked for, so every other synthetic farm keeps its random stream.
        if (ph.drive && f.sloshPct !== undefined) ar = a * ar + Math.sqrt(1 - a * a) * r.normal(1);
        const wobble = ph.drive && f.sloshPct !== undefined ? (f.sloshPct / 100) * w * ar : 0;
        push(w + wobble + slosh * Math.sin((t / 1000) * 1.3) + r.normal(0.01), pos);
        t += 5000;
      }
    }
    ti++;
  }
}
