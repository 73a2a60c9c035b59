import { DAY_MS, G, HOUR_MS, UnknownQuantityError, type PhysicsModel } from "./model";
import { DEFAULT_INFLOW_PATTERN, DEFAULT_LITRES_PER_PIG_EQ_DAY, pigEquivalents, type HerdConfig } from "./herd";
import type { Weather } from "../weather/weather";

export interface SlurryStoreConfig {
  id: string;
  /** Earth lagoon or concrete/steel tank: the freeboard rule (L1) differs; the shape does not here. */
  kind?: "lagoon" | "tank";
  /** Liquid surface area, m² (vertical walls: the same at every depth). */
  areaM2: number;
  /** Depth from the bottom to the overflow lip, m. */
  lipDepthM: number;
  /** Level at the start, m from the bottom. */
  initialLevelM: number;
  covered?: boolean;
  /** Yard or roof area draining into the store, m². */
  catchmentM2?: number;
  /** Share of rain on the catchment that reaches the store. Default 0.8 (concrete yard). */
  runoffCoeff?: number;
  herd?: HerdConfig;
  litresPerPigEqDay?: number;
  /** 24 hourly shares of the daily inflow, local time. */
  inflowPattern?: readonly number[];
  /** Height of a top-mounted ultrasonic sensor's face above the bottom, m. Default lip + 0.5. */
  sensorMountM?: number;
  /** Slurry density, t/m³. Default 1.02 (domain-rules.md, I). */
  densityTPerM3?: number;
  /** Seepage through the liner, mm of depth per day. Default 0. */
  leakMmPerDay?: number;
  /** Where the store is (a tanker fills here). */
  lat?: number;
  lon?: number;
}

const QUANTITIES = {
  level: "m of slurry above the bottom",
  volume: "m³ stored",
  freeboard: "m from the surface to the overflow lip",
  distance: "m from the top-mounted sensor's face to the surface",
  pressure: "kPa hydrostatic pressure at the bottom (gauge)",
  inflowRate: "m³/h from the herd over the last step",
  inflowTotal: "m³ from the herd since the start",
  rainTotal: "m³ of rain and runoff since the start",
  evaporatedTotal: "m³ evaporated since the start",
  leakedTotal: "m³ lost by seepage since the start",
  pumpedTotal: "m³ pumped out since the start",
  spilledTotal: "m³ spilled over the lip since the start",
  overflowing: "1 while slurry spills over the lip",
  leakRate: "mm/d seepage now",
  covered: "1 when a cover keeps the rain out (intact cover)",
  pigEquivalents: "herd size in pig-equivalents",
} as const;

type Q = keyof typeof QUANTITIES;

interface PumpOut {
  remainingM3: number;
  rateM3PerH: number;
}

/**
 * A slurry store (pit, lagoon, tank) with vertical walls: a water balance per step of
 *   Δvolume = herd inflow + rain (surface + catchment runoff, when open or the cover is broken)
 *             − evaporation (open surface) − seepage − pump-outs − tanker filling,
 * then a spill of whatever rises above the lip (recorded, the level held at the lip).
 * Sensors see the level as a distance from a top-mounted ultrasonic sensor, or as the
 * hydrostatic pressure ρ·g·h at the bottom.
 */
export class SlurryStore implements PhysicsModel {
  readonly kind = "slurry-store";
  readonly quantities = QUANTITIES;
  readonly pigEq: number;
  readonly density: number;
  private readonly pattern: number[];
  private readonly state: Record<Q, number>;
  private coverBroken = false;
  private leakMmPerDay: number;
  private pumpOuts: PumpOut[] = [];
  /** Hourly inflow multiplier (a scenario can stop washing, or double it). */
  inflowFactor = 1;

  constructor(
    readonly config: SlurryStoreConfig,
    private readonly weather: Weather,
  ) {
    if (!(config.areaM2 > 0)) throw new RangeError(`${config.id}: areaM2 must be > 0`);
    if (!(config.lipDepthM > 0)) throw new RangeError(`${config.id}: lipDepthM must be > 0`);
    if (!(config.initialLevelM >= 0 && config.initialLevelM <= config.lipDepthM))
      throw new RangeError(`${config.id}: initialLevelM must be within 0..lipDepthM`);
    this.pigEq = pigEquivalents(config.herd ?? {});
    this.density = config.densityTPerM3 ?? 1.02;
    const raw = config.inflowPattern ?? DEFAULT_INFLOW_PATTERN;
    if (raw.length !== 24 || raw.some((x) => !(x >= 0))) throw new RangeError(`${config.id}: inflowPattern needs 24 shares ≥ 0`);
    const sum = raw.reduce((a, b) => a + b, 0);
    this.pattern = raw.map((x) => (sum > 0 ? x / sum : 0));
    this.leakMmPerDay = config.leakMmPerDay ?? 0;
    this.state = {
      level: config.initialLevelM,
      volume: config.initialLevelM * config.areaM2,
      freeboard: 0,
      distance: 0,
      pressure: 0,
      inflowRate: 0,
      inflowTotal: 0,
      rainTotal: 0,
      evaporatedTotal: 0,
      leakedTotal: 0,
      pumpedTotal: 0,
      spilledTotal: 0,
      overflowing: 0,
      leakRate: this.leakMmPerDay,
      covered: config.covered ? 1 : 0,
      pigEquivalents: this.pigEq,
    };
    this.derive();
  }

  get id(): string {
    return this.config.id;
  }

  get level(): number {
    return this.state.level;
  }

  get volume(): number {
    return this.state.volume;
  }

  /** Rain gets in: an open store, or a covered one whose cover is broken. */
  get open(): boolean {
    return !this.config.covered || this.coverBroken;
  }

  breakCover(): void {
    this.coverBroken = true;
    this.state.covered = 0;
  }

  repairCover(): void {
    this.coverBroken = false;
    this.state.covered = this.config.covered ? 1 : 0;
  }

  setLeak(mmPerDay: number): void {
    if (!(mmPerDay >= 0)) throw new RangeError(`${this.id}: leak rate must be ≥ 0 mm/d`);
    this.leakMmPerDay = mmPerDay;
    this.state.leakRate = mmPerDay;
  }

  /** Starts pumping `volumeM3` out at `rateM3PerH` (a pump-out to a tanker or a field pipe). */
  pumpOut(volumeM3: number, rateM3PerH: number): void {
    if (!(volumeM3 > 0 && rateM3PerH > 0)) throw new RangeError(`${this.id}: pump-out needs volume and rate > 0`);
    this.pumpOuts.push({ remainingM3: volumeM3, rateM3PerH });
  }

  /** Takes up to `m3` out now (a tanker's pump); returns what was actually there to take. */
  withdraw(m3: number): number {
    const taken = Math.max(0, Math.min(m3, this.state.volume));
    this.state.volume -= taken;
    this.state.pumpedTotal += taken;
    this.derive();
    return taken;
  }

  step(t: number, dtMs: number): void {
    const s = this.state;
    const c = this.config;
    const hours = dtMs / HOUR_MS;
    const localHour = Math.floor((((t - dtMs / 2 + this.weather.climate.utcOffsetH * HOUR_MS) % DAY_MS) + DAY_MS) % DAY_MS / HOUR_MS);
    const litresPerDay = this.pigEq * (c.litresPerPigEqDay ?? DEFAULT_LITRES_PER_PIG_EQ_DAY) * this.inflowFactor;
    const inflow = (litresPerDay / 1000) * this.pattern[localHour] * hours;
    let rain = 0;
    let evap = 0;
    if (this.open) {
      const mm = this.weather.lastStepRainMm;
      rain = (mm / 1000) * (c.areaM2 + (c.catchmentM2 ?? 0) * (c.runoffCoeff ?? 0.8));
      if (s.volume > 0) evap = (this.weather.lastStepEvapMm / 1000) * c.areaM2;
    }
    const leak = s.volume > 0 ? ((this.leakMmPerDay / 1000) * c.areaM2 * dtMs) / DAY_MS : 0;
    let pumped = 0;
    for (const p of this.pumpOuts) {
      const v = Math.min(p.remainingM3, p.rateM3PerH * hours);
      p.remainingM3 -= v;
      pumped += v;
    }
    this.pumpOuts = this.pumpOuts.filter((p) => p.remainingM3 > 1e-9);
    const before = s.volume;
    let volume = before + inflow + rain;
    const evapTaken = Math.min(evap, volume);
    volume -= evapTaken;
    const leakTaken = Math.min(leak, volume);
    volume -= leakTaken;
    const pumpTaken = Math.min(pumped, volume);
    volume -= pumpTaken;
    const capacity = c.lipDepthM * c.areaM2;
    let spilled = 0;
    if (volume > capacity) {
      spilled = volume - capacity;
      volume = capacity;
    }
    s.volume = volume;
    s.inflowRate = hours > 0 ? inflow / hours : 0;
    s.inflowTotal += inflow;
    s.rainTotal += rain;
    s.evaporatedTotal += evapTaken;
    s.leakedTotal += leakTaken;
    s.pumpedTotal += pumpTaken;
    s.spilledTotal += spilled;
    s.overflowing = spilled > 0 ? 1 : 0;
    this.derive();
  }

  quantity(name: string): number {
    if (!(name in QUANTITIES)) throw new UnknownQuantityError(this.id, name, Object.keys(QUANTITIES));
    return this.state[name as Q];
  }

  private derive(): void {
    const s = this.state;
    const c = this.config;
    s.level = s.volume / c.areaM2;
    s.freeboard = c.lipDepthM - s.level;
    s.distance = (c.sensorMountM ?? c.lipDepthM + 0.5) - s.level;
    // Hydrostatic pressure p = ρ·g·h (kPa with ρ in t/m³ = 1000 kg/m³).
    s.pressure = this.density * G * s.level;
  }
}
