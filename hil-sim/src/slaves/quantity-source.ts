import type { PointDef } from "@manure-edge/protocol";
import type { QuantitySource } from "../physics/model";
import type { PointSource } from "./sim-slave";

/**
 * A SimSlave's source from a physics model (hil-sim/src/physics: QuantitySource, e.g. a
 * slurry store or a compost pile). Each point of the register map reads the model quantity
 * named by `bind[point.name]`; without a binding, the quantity with the point's own name, then
 * the one named by the point's `quantity` field. Points the model does not know stay
 * undefined (the device holds 0 or what a master wrote).
 */
export function quantitySource(model: QuantitySource, bind: Record<string, string> = {}): PointSource {
  const cache = new Map<string, string | undefined>();
  const resolve = (p: PointDef): string | undefined => {
    if (cache.has(p.name)) return cache.get(p.name);
    const candidates = [bind[p.name], p.name, p.quantity];
    const q = candidates.find((c) => c !== undefined && Object.prototype.hasOwnProperty.call(model.quantities, c));
    if (bind[p.name] !== undefined && q !== bind[p.name]) {
      throw new Error(`sensor binding: ${model.id} (${model.kind}) has no quantity "${bind[p.name]}" for point "${p.name}" (known: ${Object.keys(model.quantities).join(", ")})`);
    }
    cache.set(p.name, q);
    return q;
  };
  return (p) => {
    const q = resolve(p);
    return q === undefined ? undefined : model.quantity(q);
  };
}
