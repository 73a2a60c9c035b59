import { distanceM, inPolygon, M2_PER_MU, type LatLon } from "./geo";

/** A registered application site (a field that may receive slurry or compost). */
export interface FieldConfig {
  id: string;
  /** Crop; "paddy" fields have a lower cap in one county's plan (2 t/mu vs 3 t/mu dry land). */
  crop: string;
  /** Paddy or dry land, for the T4 application-rate cap. Default: paddy when crop is rice. */
  landUse?: "paddy" | "dry";
  /** Area in mu; for a circle without a radius, the radius follows from it. */
  areaMu: number;
  /** A circle (centre + optional radius) or a polygon. */
  center?: LatLon;
  radiusM?: number;
  polygon?: LatLon[];
}

export class Field {
  readonly radiusM: number;
  readonly center: LatLon;

  constructor(readonly config: FieldConfig) {
    if (!(config.areaMu > 0)) throw new RangeError(`${config.id}: areaMu must be > 0`);
    if (config.polygon) {
      if (config.polygon.length < 3) throw new RangeError(`${config.id}: a polygon needs at least 3 points`);
      const n = config.polygon.length;
      this.center = {
        lat: config.polygon.reduce((a, p) => a + p.lat, 0) / n,
        lon: config.polygon.reduce((a, p) => a + p.lon, 0) / n,
      };
      this.radiusM = 0;
    } else if (config.center) {
      this.center = config.center;
      this.radiusM = config.radiusM ?? Math.sqrt((config.areaMu * M2_PER_MU) / Math.PI);
    } else throw new RangeError(`${config.id}: a field needs a center or a polygon`);
  }

  get id(): string {
    return this.config.id;
  }

  get landUse(): "paddy" | "dry" {
    return this.config.landUse ?? (/rice|paddy/i.test(this.config.crop) ? "paddy" : "dry");
  }

  contains(p: LatLon): boolean {
    return this.config.polygon ? inPolygon(p, this.config.polygon) : distanceM(p, this.center) <= this.radiusM;
  }
}
