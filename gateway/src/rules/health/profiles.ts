import type { FacilitiesConfig } from "../config";

/** What kind of quantity a sensor measures, for its health profile. */
export type SensorRole = "level" | "rain" | "ambient" | "probe" | "weight" | "position";

export interface HealthProfile {
  range: [number, number] | null;
  /** A real sensor of this kind shows noise: an unchanged value for hours means it is stuck. */
  noiseExpected: boolean;
  stale: boolean;
  intervalMs: number | null;
  staleIntervals: number;
  stuckMs: number;
  errorRatePct: number;
}

/** Plausible ranges per role (I): wide on purpose, they catch broken sensors, not process faults. */
const ROLE_RANGE: Record<SensorRole, [number, number] | null> = {
  level: [-0.5, 30],
  rain: [0, 1e9],
  ambient: [-50, 60],
  probe: [-40, 95],
  weight: null,
  position: null,
};

const ROLE_NOISE: Record<SensorRole, boolean> = {
  level: true, rain: false, ambient: true, probe: true, weight: false, position: false,
};

export function profileFor(cfg: FacilitiesConfig, sensor: string, role: SensorRole, weightMax?: number): HealthProfile {
  const o = cfg.health.sensors[sensor] ?? {};
  const range = o.range ?? (role === "weight" && weightMax !== undefined ? [-0.1 * weightMax, 1.5 * weightMax] : ROLE_RANGE[role]);
  return {
    range: range as [number, number] | null,
    noiseExpected: o.noiseExpected ?? ROLE_NOISE[role],
    stale: o.stale ?? true,
    intervalMs: o.intervalS !== undefined ? o.intervalS * 1000 : null,
    staleIntervals: o.staleIntervals ?? cfg.health.staleIntervals,
    stuckMs: (o.stuckH ?? cfg.health.stuckH) * 3_600_000,
    errorRatePct: o.errorRatePct ?? cfg.health.errorRatePct,
  };
}
