import { HOUR_MS, UnknownQuantityError, type PhysicsModel } from "./model";
import type { Weather } from "../weather/weather";

export interface CompostPileConfig {
  id: string;
  /** A turned windrow in the open, or a trough (槽式) in a shed with forced aeration. */
  kind?: "windrow" | "trough";
  /** Moisture at building, % wet basis. 50–60 % is right; above ~70 % the pile does not start. */
  moisturePct?: number;
  /** Temperature of the material when built, °C. Default: ambient + 5, at least 15 (fresh manure). */
  initialTempC?: number;
  /**
   * Relative energy of the substrate (1 = manure with straw at a good C/N). Above ~1.4 a pile
   * that is not turned overheats past 70 °C.
   */
  heatIndex?: number;
  /** Under a roof (rain does not wet it). Default: troughs yes, windrows no. */
  roofed?: boolean;
  /** Turned mechanically (C2's "mechanical" preset); informational. */
  mechanical?: boolean;
}

const QUANTITIES = {
  core: "°C, probe in the core",
  envelope: "°C, probe in the outer envelope (≈ 0.3 m under the surface)",
  base: "°C, probe at the base",
  coolest: "°C, the coolest of the three probes (what compliance clocks run on)",
  ambient: "°C, air around the pile",
  moisture: "% wet basis",
  substrate: "share of the degradable substrate left, 0..1",
  oxygen: "relative oxygen in the pore space, 0..1 (1 just after turning)",
  activity: "microbial activity, 0..1",
  turnings: "turnings since building",
  hoursAbove70: "hours the core has been above 70 °C without a break",
} as const;

type Q = keyof typeof QUANTITIES;

/**
 * Per-kind constants: heat loss of the core (1/h), passive re-aeration (1/h), envelope share,
 * and the extra (evaporative) loss of an open windrow above `evapFromC`: the loss coefficient
 * grows by `evapPerC` per °C. A turned windrow's hot core drives vapour out through its whole
 * surface (saturation vapour pressure rises ≈ 6 %/°C near 60 °C) and the chimney draught
 * carries it off, so windrows self-limit at about 61–64 °C (the 55–65 °C that turned windrows
 * are managed to, NY/T 3442-2019's turn-above-65 °C rule being the exception, not the norm).
 * A trough in a shed with a fixed aeration rate has no such extra loss: with an energetic mix
 * and no turning it overheats (overheating-pile).
 */
const KIND = {
  windrow: { lossPerH: 0.06, aerationPerH: 0.02, envelopeShare: 0.87, baseShare: 0.88, evapPerC: 0.35, evapFromC: 61 },
  trough: { lossPerH: 0.045, aerationPerH: 0.03, envelopeShare: 0.88, baseShare: 0.9, evapPerC: 0, evapFromC: 61 },
};

/**
 * Core heating at full activity, as a multiple of the heat-loss coefficient: 62 keeps the core
 * of a windrow near 57–60 °C while its oxygen sags between turnings (so the envelope, the
 * coolest probe, stays above 50 °C on a cold May night), while the windrow's evaporative
 * loss above 61 °C caps it at about 64 °C.
 */
const HEAT_TO_LOSS = 62;
/** Substrate consumed per hour at full activity: most of it gone within about four weeks. */
const SUBSTRATE_PER_H = 1 / (24 * 25);
/** Oxygen consumed per hour at full activity. */
const OXYGEN_PER_H = 0.015;

/**
 * A compost pile (one batch from building to release), as a lumped heat balance of the core:
 *
 *   dT/dt = HEAT · heatIndex · A − loss · (T − T_ambient),
 *   A = f_S(substrate) · f_T(T) · f_moisture · f_O₂,
 *
 * f_T is built from cardinal temperature models (Rosso et al. 1993) for mesophiles and thermophiles; f_moisture a trapezoid (0 at 30 %, 1 from 45 to 62 %, 0 at 75 %); f_O₂ a Monod
 * term of the pore oxygen, which activity uses up and passive (windrow) or forced (trough)
 * aeration restores. A lag factor 1 − 0.8·e^(−age/24 h) stands for the microbes colonising the
 * fresh mix. This gives the textbook curve: a lag of a day or two while the mesophiles
 * start, a rise through 45 °C, a thermophilic plateau at 55–70 °C that sags as oxygen runs
 * out, a sharp drop at each turning (the material is mixed with the cool envelope and the air)
 * followed by reheating within 24–48 h while substrate remains, and a decay over weeks to
 * ambient as the substrate is used up. The envelope and base probes follow the core with
 * a lag, at a share of its excess over ambient. Failure modes fall out of the same equation:
 * too wet (f_moisture ≈ 0), too cold (a pile built at −20 °C never reaches T_MIN), too energetic
 * and not turned (heatIndex high: equilibrium above 70 °C). Plausible, not a research model.
 */
export class CompostPile implements PhysicsModel {
  readonly kind = "compost-pile";
  readonly quantities = QUANTITIES;
  private readonly k: (typeof KIND)["windrow"];
  private readonly heatIndex: number;
  private readonly roofed: boolean;
  private readonly state: Record<Q, number>;
  private ageH = 0;

  constructor(
    readonly config: CompostPileConfig,
    private readonly weather: Weather,
  ) {
    const kind = config.kind ?? "windrow";
    if (!(kind in KIND)) throw new RangeError(`${config.id}: kind must be windrow or trough`);
    this.k = KIND[kind];
    this.heatIndex = config.heatIndex ?? 1;
    if (!(this.heatIndex > 0)) throw new RangeError(`${config.id}: heatIndex must be > 0`);
    this.roofed = config.roofed ?? kind === "trough";
    const moisture = config.moisturePct ?? 58;
    if (!(moisture >= 0 && moisture <= 100)) throw new RangeError(`${config.id}: moisturePct must be 0..100`);
    const amb = weather.temperature;
    // Fresh manure leaves a barn warmer than winter air; in summer it is a little above ambient.
    const t0 = config.initialTempC ?? Math.max(amb + 5, 15);
    this.state = {
      core: t0,
      envelope: t0,
      base: t0,
      coolest: t0,
      ambient: amb,
      moisture,
      substrate: 1,
      oxygen: 1,
      activity: 0,
      turnings: 0,
      hoursAbove70: 0,
    };
  }

  get id(): string {
    return this.config.id;
  }

  /**
   * A turning: the core mixes with the cooler envelope and the air (it keeps about 60 % of its
   * excess over ambient), every probe reads the mixed material, the pores fill with fresh air,
   * and a little water steams off.
   */
  turn(): void {
    const s = this.state;
    const amb = this.weather.temperature;
    const mixed = amb + 0.6 * (0.6 * s.core + 0.25 * s.envelope + 0.15 * s.base - amb);
    s.core = mixed;
    s.envelope = amb + 0.85 * (mixed - amb);
    s.base = mixed;
    s.oxygen = 1;
    s.moisture = Math.max(0, s.moisture - 1);
    s.turnings++;
    s.hoursAbove70 = 0;
    s.coolest = Math.min(s.core, s.envelope, s.base);
  }

  /** Water added (rain on an open pile, or an operator wetting a dry pile), % points. */
  wet(pctPoints: number): void {
    this.state.moisture = Math.min(90, this.state.moisture + pctPoints);
  }

  step(_t: number, dtMs: number): void {
    const s = this.state;
    const h = dtMs / HOUR_MS;
    const amb = this.weather.temperature;
    s.ambient = amb;
    // Rain soaks an open windrow: about 0.03 % moisture per mm (a 2 m windrow holds over a
    // tonne per m² of ground, and much of the rain runs off its crust).
    if (!this.roofed && this.weather.lastStepRainMm > 0) this.wet(0.03 * this.weather.lastStepRainMm);
    this.ageH += h;
    // Lag: the microbes colonise the fresh mix over the first day or two.
    const lag = 1 - 0.8 * Math.exp(-this.ageH / 24);
    const a = lag * fSubstrate(s.substrate) * fTemp(s.core) * fMoisture(s.moisture) * fOxygen(s.oxygen);
    s.activity = a;
    s.core += h * (HEAT_TO_LOSS * this.k.lossPerH * this.heatIndex * a - this.k.lossPerH * (1 + this.k.evapPerC * Math.max(0, s.core - this.k.evapFromC)) * (s.core - amb));
    s.substrate = Math.max(0, s.substrate - h * SUBSTRATE_PER_H * a);
    s.oxygen = Math.min(1, Math.max(0, s.oxygen + h * (-OXYGEN_PER_H * a + this.k.aerationPerH * (1 - s.oxygen))));
    // Evaporative drying while hot: about 0.35 % points a day at full activity.
    s.moisture = Math.max(0, s.moisture - h * 0.015 * a);
    // Probes away from the core follow it with a lag of a few hours.
    // Cold air and wind take more from the outer layer (convection, a frozen crust): below
    // 15 °C the envelope keeps 1 % less of the core's excess per degree.
    const share = this.k.envelopeShare - 0.01 * Math.max(0, 15 - amb);
    const envTarget = amb + Math.max(0.3, share) * (s.core - amb);
    const ground = this.weather.seasonalMean(_t);
    const baseTarget = ground + this.k.baseShare * (s.core - ground);
    s.envelope += (envTarget - s.envelope) * (1 - Math.exp(-h / 3));
    s.base += (baseTarget - s.base) * (1 - Math.exp(-h / 3));
    s.coolest = Math.min(s.core, s.envelope, s.base);
    s.hoursAbove70 = s.core > 70 ? s.hoursAbove70 + h : 0;
  }

  quantity(name: string): number {
    if (!(name in QUANTITIES)) throw new UnknownQuantityError(this.id, name, Object.keys(QUANTITIES));
    return this.state[name as Q];
  }
}

/** Cardinal temperature model with inflection, CTMI (Rosso, Lobry & Flandrois 1993), 0..1. */
export function ctmi(t: number, tMin: number, tOpt: number, tMax: number): number {
  if (t <= tMin || t >= tMax) return 0;
  const num = (t - tMax) * (t - tMin) ** 2;
  const den = (tOpt - tMin) * ((tOpt - tMin) * (t - tOpt) - (tOpt - tMax) * (tOpt + tMin - 2 * t));
  return Math.max(0, Math.min(1, num / den));
}

/**
 * Temperature response of the whole community: mesophiles (−5 … 35 … 55 °C, at 90 %) and
 * thermophiles (15 … 60 … 82 °C), whichever is more active. With HEAT_TO_LOSS this puts a
 * turned windrow in 20 °C air at 57–64 °C (with the evaporative cap), lets a pile built at 15 °C start in 5 °C air but
 * stall near 43 °C at 0 °C, and never start below −5 °C.
 */
export function fTemp(t: number): number {
  return Math.max(0.9 * ctmi(t, -5, 35, 55), ctmi(t, 15, 60, 82));
}

/** Moisture response: 0 at ≤ 30 %, 1 from 45 to 62 %, 0 at ≥ 75 % (waterlogged, anaerobic). */
export function fMoisture(m: number): number {
  if (m <= 30 || m >= 75) return 0;
  if (m < 45) return (m - 30) / 15;
  if (m <= 62) return 1;
  return (75 - m) / 13;
}

/** Monod-type substrate limitation: heat holds up until most of the substrate is used. */
export function fSubstrate(s: number): number {
  return (1.15 * s) / (s + 0.15);
}

/** Monod-type oxygen limitation, 1 with fresh air in the pores. */
export function fOxygen(o: number): number {
  return (1.25 * o) / (o + 0.25);
}
