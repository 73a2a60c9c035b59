import { CompostPile, type CompostPileConfig } from "./compost-pile";
import { Field, type FieldConfig } from "./field";
import type { LatLon } from "./geo";
import type { PhysicsModel, QuantitySource } from "./model";
import { SlurryStore, type SlurryStoreConfig } from "./slurry-store";
import { Tanker, type TankerConfig } from "./tanker";
import { climateById } from "../weather/climates";
import { Weather } from "../weather/weather";

export interface FarmPhysicsConfig {
  climate: string;
  stores?: SlurryStoreConfig[];
  piles?: CompostPileConfig[];
  tankers?: TankerConfig[];
  fields?: FieldConfig[];
}

/**
 * All physics of one farm, advanced together: the weather first (everything else reads it),
 * then stores, piles and tankers in the order the scenario lists them (a tanker filling from a
 * store takes its volume after the store's own balance for the step). Every model draws from
 * its own random stream, so adding one never changes another's values.
 */
export class FarmPhysics {
  readonly weather: Weather;
  readonly stores = new Map<string, SlurryStore>();
  readonly piles = new Map<string, CompostPile>();
  readonly tankers = new Map<string, Tanker>();
  readonly fields = new Map<string, Field>();
  private readonly models: PhysicsModel[] = [];
  private readonly byId = new Map<string, PhysicsModel>();
  /** Time of the last step, epoch ms. */
  t: number;

  constructor(config: FarmPhysicsConfig, seed: number | string, start: number) {
    this.t = start;
    this.weather = new Weather(climateById(config.climate), seed, start);
    this.add(this.weather);
    for (const f of config.fields ?? []) {
      if (this.fields.has(f.id)) throw new Error(`duplicate field id "${f.id}"`);
      this.fields.set(f.id, new Field(f));
    }
    for (const c of config.stores ?? []) this.stores.set(c.id, this.add(new SlurryStore(c, this.weather)));
    for (const c of config.piles ?? []) this.piles.set(c.id, this.add(new CompostPile(c, this.weather)));
    for (const c of config.tankers ?? []) this.tankers.set(c.id, this.add(new Tanker(c, seed, (p) => this.fieldAt(p)?.id ?? null)));
  }

  /** Advances every model over (t − dtMs, t]. */
  step(t: number, dtMs: number): void {
    for (const m of this.models) m.step(t, dtMs);
    this.t = t;
  }

  /** Ids of every model (the weather's is "weather"). */
  subjects(): string[] {
    return [...this.byId.keys()];
  }

  model(id: string): QuantitySource {
    const m = this.byId.get(id);
    if (!m) throw new Error(`no physics subject "${id}" (known: ${this.subjects().join(", ")})`);
    return m;
  }

  /** Current true value of a quantity, e.g. quantity("pit-1", "distance"). */
  quantity(subject: string, name: string): number {
    return this.model(subject).quantity(name);
  }

  /** The registered field containing a point, if any. */
  fieldAt(p: LatLon): Field | undefined {
    for (const f of this.fields.values()) if (f.contains(p)) return f;
    return undefined;
  }

  store(id: string): SlurryStore {
    return this.get(this.stores, id, "store");
  }
  pile(id: string): CompostPile {
    return this.get(this.piles, id, "pile");
  }
  tanker(id: string): Tanker {
    return this.get(this.tankers, id, "tanker");
  }

  private get<T>(map: Map<string, T>, id: string, what: string): T {
    const v = map.get(id);
    if (!v) throw new Error(`no ${what} "${id}" (known: ${[...map.keys()].join(", ") || "none"})`);
    return v;
  }

  private add<T extends PhysicsModel>(m: T): T {
    if (this.byId.has(m.id)) throw new Error(`duplicate subject id "${m.id}"`);
    this.byId.set(m.id, m);
    this.models.push(m);
    return m;
  }
}
