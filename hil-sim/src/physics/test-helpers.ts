import { FarmPhysics, type FarmPhysicsConfig } from "./farm";

/** Local midnight (UTC+8) of a date, epoch ms. */
export function cst(y: number, m: number, d: number, h = 0): number {
  return Date.UTC(y, m - 1, d, h) - 8 * 3_600_000;
}

/** Steps a farm from its start for `ms`, calling `each` after every step. */
export function runFarm(farm: FarmPhysics, ms: number, stepMs = 60_000, each?: (t: number) => void): void {
  const end = farm.t + ms;
  for (let t = farm.t + stepMs; t <= end; t += stepMs) {
    farm.step(t, stepMs);
    each?.(t);
  }
}

export function farmOf(config: Partial<FarmPhysicsConfig>, seed = 1, start = cst(2025, 6, 1)): FarmPhysics {
  return new FarmPhysics({ climate: "ne-china-semiarid", ...config }, seed, start);
}
