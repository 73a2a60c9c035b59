import { DAY_MS, HOUR_MS, UnknownQuantityError, type PhysicsModel } from "../physics/model";
import { Rng } from "../rng";
import type { Climate } from "./climates";

/** A rain event: constant intensity from start to end (epoch ms). */
interface RainEvent {
  start: number;
  end: number;
  mmPerH: number;
}

/** A temperature offset with linear ramps in and out (a cold snap, a heat wave). */
interface TempOffset {
  start: number;
  end: number;
  deltaC: number;
  rampMs: number;
}

const QUANTITIES = {
  temperature: "°C, air",
  humidity: "% relative humidity",
  rainRate: "mm/h over the last step",
  rainTotal: "mm since the start of the run",
  raining: "1 while it rains, else 0",
  evaporation: "mm/h potential evaporation from an open water surface",
  daylight: "1 between 06:00 and 18:00 local time",
} as const;

/**
 * Ambient temperature and rain for a named climate.
 *
 * Temperature = seasonal mean (monthly normals placed at mid-month, joined by a periodic
 * Catmull-Rom spline) + daily cycle (a cosine with its minimum at 03:00 and maximum at 15:00
 * local time, amplitude half the month's daily range) + weather noise (an AR(1) process with
 * the climate's standard deviation and correlation time, discretised exactly so its statistics
 * do not depend on the step) + forced offsets (cold snaps) − a little cooling while it rains.
 *
 * Rain: at each local midnight the day gets one rain event with probability rain days / days
 * in month; its depth is gamma-distributed (shape 2) with mean monthly total / rain days, its duration uniform
 * in the climate's range, its start uniform over the day. Scenario storms add events. The depth
 * per step is the exact overlap of events with the step, so totals do not depend on the step.
 *
 * Evaporation (potential, open water): 0.3 mm/d per °C above −3 °C, 80 % of it by day,
 * none while it rains. This puts night evaporation at 0.2–2.2 mm in the warm season, the
 * range Ham (2002) measured on lagoons, and a summer day at 5–8 mm.
 */
export class Weather implements PhysicsModel {
  readonly kind = "weather";
  readonly quantities = QUANTITIES;

  // Separate streams for the noise (one draw per step) and the rain (draws per day), so the
  // rain of a run does not depend on the physics step.
  private readonly rng: Rng;
  private readonly rainRng: Rng;
  private readonly offsetMs: number;
  private noise: number;
  private rainEvents: RainEvent[] = [];
  private offsets: TempOffset[] = [];
  private decidedDay = -Infinity;
  private state = { temperature: 0, humidity: 0, rainRate: 0, rainTotal: 0, raining: 0, evaporation: 0, daylight: 0 };

  constructor(
    readonly climate: Climate,
    seed: number | string,
    start: number,
    readonly id = "weather",
  ) {
    this.rng = new Rng(seed, `weather/${climate.id}/noise`);
    this.rainRng = new Rng(seed, `weather/${climate.id}/rain`);
    this.offsetMs = climate.utcOffsetH * HOUR_MS;
    this.noise = this.rng.normal(0, climate.noiseSdC);
    this.decideDays(start);
    this.update(start, 0, 0);
  }

  /** Forces a storm: `depthMm` of rain spread evenly over `durationMs` from `start`. */
  storm(start: number, durationMs: number, depthMm: number): void {
    if (!(durationMs > 0) || !(depthMm >= 0)) throw new RangeError("storm: duration must be > 0 and depth ≥ 0");
    this.rainEvents.push({ start, end: start + durationMs, mmPerH: depthMm / (durationMs / HOUR_MS) });
  }

  /** Forces a cold snap (negative delta) or warm spell, ramped over 6 h at each end. */
  coldSnap(start: number, durationMs: number, deltaC: number): void {
    this.offsets.push({ start, end: start + durationMs, deltaC, rampMs: Math.min(6 * HOUR_MS, durationMs / 2) });
  }

  /** Seasonal mean temperature at t (no daily cycle, no noise), °C. */
  seasonalMean(t: number): number {
    return this.monthly(this.climate.monthlyMeanC, t);
  }

  step(t: number, dtMs: number): void {
    this.decideDays(t);
    // Exact AR(1) update over dt: x ← a·x + sd·√(1 − a²)·N(0,1), a = exp(−dt/τ).
    const a = Math.exp(-dtMs / (this.climate.noiseTauH * HOUR_MS));
    this.noise = a * this.noise + this.climate.noiseSdC * Math.sqrt(1 - a * a) * this.rng.normal();
    let depth = 0;
    for (const e of this.rainEvents) {
      const overlap = Math.min(e.end, t) - Math.max(e.start, t - dtMs);
      if (overlap > 0) depth += (e.mmPerH * overlap) / HOUR_MS;
    }
    // Forget events that are over (keeps the list short over a long run).
    if (this.rainEvents.length > 8) this.rainEvents = this.rainEvents.filter((e) => e.end > t);
    this.update(t, dtMs, depth);
  }

  quantity(name: string): number {
    if (!(name in QUANTITIES)) throw new UnknownQuantityError(this.id, name, Object.keys(QUANTITIES));
    return this.state[name as keyof typeof QUANTITIES];
  }

  get temperature(): number {
    return this.state.temperature;
  }
  /** Rain depth of the last step, mm. */
  lastStepRainMm = 0;
  /** Potential evaporation of the last step, mm. */
  lastStepEvapMm = 0;

  private update(t: number, dtMs: number, depth: number): void {
    const c = this.climate;
    const local = t + this.offsetMs;
    const hour = ((local % DAY_MS) + DAY_MS) % DAY_MS / HOUR_MS;
    const raining = depth > 0 || this.rainEvents.some((e) => e.start <= t && e.end > t);
    const range = this.monthly(c.dailyRangeC, t);
    let temp = this.seasonalMean(t) + (range / 2) * Math.cos((2 * Math.PI * (hour - 15)) / 24) + this.noise;
    for (const o of this.offsets) temp += o.deltaC * ramp(t, o);
    if (raining) temp -= 1.5;
    const daylight = hour >= 6 && hour < 18 ? 1 : 0;
    const evapPerDay = raining ? 0 : Math.max(0, 0.3 * (temp + 3));
    // 80 % of the day's evaporation in the 12 daylight hours, 20 % in the 12 night hours.
    const evaporation = (evapPerDay * (daylight ? 0.8 : 0.2)) / 12;
    const rhBase = this.monthly(c.monthlyRhPct, t);
    const humidity = Math.min(100, Math.max(10, rhBase - 2.5 * (range / 2) * Math.cos((2 * Math.PI * (hour - 15)) / 24) + (raining ? 20 : 0)));
    const s = this.state;
    s.temperature = temp;
    s.humidity = humidity;
    s.rainRate = dtMs > 0 ? depth / (dtMs / HOUR_MS) : 0;
    s.rainTotal += depth;
    s.raining = raining ? 1 : 0;
    s.evaporation = evaporation;
    s.daylight = daylight;
    this.lastStepRainMm = depth;
    this.lastStepEvapMm = (evaporation * dtMs) / HOUR_MS;
  }

  /** Draws the natural rain event of every local day up to the one containing t. */
  private decideDays(t: number): void {
    const day = Math.floor((t + this.offsetMs) / DAY_MS);
    if (this.decidedDay === -Infinity) this.decidedDay = day - 1;
    const c = this.climate;
    for (let d = this.decidedDay + 1; d <= day; d++) {
      const midnight = d * DAY_MS - this.offsetMs;
      const date = new Date(midnight + this.offsetMs + HOUR_MS);
      const m = date.getUTCMonth();
      const daysInMonth = new Date(Date.UTC(date.getUTCFullYear(), m + 1, 0)).getUTCDate();
      const p = Math.min(1, c.monthlyRainDays[m] / daysInMonth);
      // Always draw the same number of values per day so one day's outcome never shifts the
      // random sequence of the next.
      const u = this.rainRng.next();
      // Depth: gamma with shape 2 (mean of two exponentials), less skewed than one exponential.
      const mean = c.monthlyRainMm[m] / Math.max(c.monthlyRainDays[m], 1e-9);
      const depth = (this.rainRng.exponential(mean) + this.rainRng.exponential(mean)) / 2;
      const startH = this.rainRng.uniform(0, 24);
      const durH = this.rainRng.uniform(c.rainDurationH[0], c.rainDurationH[1]);
      if (u < p && depth > 0) {
        const start = midnight + startH * HOUR_MS;
        this.rainEvents.push({ start, end: start + durH * HOUR_MS, mmPerH: depth / durH });
      }
    }
    this.decidedDay = day;
  }

  // The calendar arithmetic below is the costly part of a step: seasonal values change by
  // hundredths of a degree per hour, so they are computed once per hour of farm time.
  private monthlyCache = new Map<number[], { hour: number; value: number }>();

  /** Periodic Catmull-Rom interpolation of 12 monthly values placed at mid-month. */
  private monthly(values: number[], t: number): number {
    const hour = Math.floor(t / HOUR_MS);
    const cached = this.monthlyCache.get(values);
    if (cached && cached.hour === hour) return cached.value;
    const value = this.interpolateMonthly(values, hour * HOUR_MS);
    this.monthlyCache.set(values, { hour, value });
    return value;
  }

  private interpolateMonthly(values: number[], t: number): number {
    const date = new Date(t + this.offsetMs);
    const m = date.getUTCMonth();
    const daysInMonth = new Date(Date.UTC(date.getUTCFullYear(), m + 1, 0)).getUTCDate();
    const dayFrac = (date.getUTCDate() - 1 + (((t + this.offsetMs) % DAY_MS) + DAY_MS) % DAY_MS / DAY_MS) / daysInMonth;
    const x = m + dayFrac - 0.5; // value i sits at x = i
    const i1 = Math.floor(x);
    const f = x - i1;
    const v = (k: number) => values[((k % 12) + 12) % 12];
    const p0 = v(i1 - 1);
    const p1 = v(i1);
    const p2 = v(i1 + 1);
    const p3 = v(i1 + 2);
    return 0.5 * (2 * p1 + (-p0 + p2) * f + (2 * p0 - 5 * p1 + 4 * p2 - p3) * f * f + (-p0 + 3 * p1 - 3 * p2 + p3) * f * f * f);
  }
}

/** 0..1 weight of an offset at t, with linear ramps at both ends. */
function ramp(t: number, o: TempOffset): number {
  if (t <= o.start || t >= o.end) return 0;
  if (o.rampMs <= 0) return 1;
  return Math.min(1, (t - o.start) / o.rampMs, (o.end - t) / o.rampMs);
}
