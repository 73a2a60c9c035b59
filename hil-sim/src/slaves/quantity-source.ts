import type { PointDef } from "@manure-edge/protocol";
import type { QuantitySource } from "../physics/model";
import type { PointSource } from "./sim-slave";

/** Units a model's quantity description may start with, and their dimension and SI factor. */
const UNITS: Record<string, [string, number]> = {
  mm: ["length", 0.001],
  cm: ["length", 0.01],
  m: ["length", 1],
  km: ["length", 1000],
  g: ["mass", 0.001],
  kg: ["mass", 1],
  t: ["mass", 1000],
  Pa: ["pressure", 1],
  kPa: ["pressure", 1000],
  MPa: ["pressure", 1e6],
  bar: ["pressure", 1e5],
};

/**
 * Factor from the model's unit (first word of its quantity description, e.g. "t the load
 * cells see") to the point's unit (the map's `unit`): 1 when either is unknown or they are
 * equal; throws when both are known but measure different things.
 */
export function unitFactor(modelUnit: string | undefined, pointUnit: string | undefined, what: string): number {
  const a = modelUnit === undefined ? undefined : UNITS[modelUnit];
  const b = pointUnit === undefined ? undefined : UNITS[pointUnit];
  if (!a || !b) return 1;
  if (a[0] !== b[0]) throw new Error(`sensor binding ${what}: the model gives ${modelUnit} (${a[0]}), the map wants ${pointUnit} (${b[0]})`);
  return a[1] / b[1];
}

/**
 * A SimSlave's source from a physics model (hil-sim/src/physics: QuantitySource, e.g. a
 * slurry store or a compost pile). Each point of the register map reads the model quantity
 * named by `bind[point.name]`; without a binding, the quantity with the point's own name, then
 * the one named by the point's `quantity` field. Points the model does not know stay
 * undefined (the device holds 0 or what a master wrote). Values are converted to the map's
 * unit where both units are known (a tanker model in t, a load cell map in kg).
 */
export function quantitySource(model: QuantitySource, bind: Record<string, string> = {}): PointSource {
  const cache = new Map<string, { q: string; k: number } | undefined>();
  const resolve = (p: PointDef): { q: string; k: number } | undefined => {
    if (cache.has(p.name)) return cache.get(p.name);
    const candidates = [bind[p.name], p.name, p.quantity];
    const q = candidates.find((c) => c !== undefined && Object.prototype.hasOwnProperty.call(model.quantities, c));
    if (bind[p.name] !== undefined && q !== bind[p.name]) {
      throw new Error(`sensor binding: ${model.id} (${model.kind}) has no quantity "${bind[p.name]}" for point "${p.name}" (known: ${Object.keys(model.quantities).join(", ")})`);
    }
    const r = q === undefined ? undefined : { q, k: unitFactor(/^[^\s,]+/.exec(model.quantities[q])?.[0], p.unit, `${model.id}.${q} → ${p.name}`) };
    cache.set(p.name, r);
    return r;
  };
  return (p) => {
    const r = resolve(p);
    return r === undefined ? undefined : model.quantity(r.q) * r.k;
  };
}
