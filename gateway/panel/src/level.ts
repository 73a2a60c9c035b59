/**
 * Liquid level (m above the floor) from the store's level sensor, as the rules engine computes
 * it (gateway/src/rules/storage/store.ts): a distance sensor above the lip reports distance
 * to the surface; a bottom pressure sensor reports head (m H2O or kPa, 1 m H2O = 9.80665 kPa)
 * divided by the slurry density.
 */
export interface Mounting {
  kind: "distance-above" | "pressure-bottom";
  mountHeight?: number;
  offset?: number;
  unit?: "mH2O" | "kPa";
}

export function levelFromSensor(v: number, cfg: { depthToLipM: number; density?: number; mounting: Mounting }): number {
  const m = cfg.mounting;
  if (m.kind === "distance-above") return cfg.depthToLipM - (v - (m.mountHeight ?? 0));
  const head = m.unit === "kPa" ? v / 9.80665 : v;
  return (m.offset ?? 0) + head / (cfg.density ?? 1.02);
}
