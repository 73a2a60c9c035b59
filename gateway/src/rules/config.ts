import { z } from "zod";

/**
 * Facilities configuration: what each rule needs to know about a store, a pile, a tanker.
 * Every number defaults to ../shared/domain-rules.md (tags V/S/R/I are repeated in
 * docs/rules.md); any of them can be overridden per facility.
 */

const sensorKey = z.string().min(1);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "date must be YYYY-MM-DD");
/** Epoch ms or an ISO date-time string. */
const instant = z.union([z.number().finite(), z.string().refine((x) => !Number.isNaN(Date.parse(x)), "not a date-time (ISO 8601)")]);

const mountingSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("distance-above"),
    /** Height of the sensor face above the overflow lip, m. The sensor reports distance to the surface. */
    mountHeight: z.number().min(0),
  }),
  z.object({
    kind: z.literal("pressure-bottom"),
    /** Height of the pressure port above the floor, m. */
    offset: z.number().min(0),
    /** Unit the sensor reports: metres of water column (default) or kPa. */
    unit: z.enum(["mH2O", "kPa"]).default("mH2O"),
  }),
]);

const storeThresholds = z
  .object({
    /** L1: minimum freeboard, m. Default by type: earth lagoon 0.75, tank 0.30 (UK SSAFO, NRCS 313). */
    freeboardMinM: z.number().positive().optional(),
    /** L1/L2/L3 hysteresis on freeboard, m. */
    freeboardHystM: z.number().min(0).default(0.02),
    /** L3: within this of the lip and rising, m. */
    overflowWithinM: z.number().positive().default(0.1),
    /** L4: warn below this many days to full. */
    daysToFullMin: z.number().positive().default(30),
    /** L5: seepage warn / critical, mm/d, on this many consecutive quiet nights. */
    seepageWarnMmD: z.number().positive().default(3),
    seepageCritMmD: z.number().positive().default(6),
    seepageNights: z.number().int().positive().default(3),
    /** L5: evaporation allowance for an open store at night, mm/d (Ham 2002: 0.2–2.2 mm at night). */
    evaporationMmD: z.number().min(0).optional(),
    /** L5: a night whose slope standard error exceeds this is inconclusive, mm/d. */
    seepageMaxSeMmD: z.number().positive().default(2),
    /** L5: the quiet window, local hours (night: no feeding, no flushing, least evaporation). */
    nightStartH: z.number().min(0).max(24).default(22),
    nightEndH: z.number().min(0).max(24).default(5),
    /** Default length of a pump-out / inflow event without data.durationMin, min. */
    pumpOutMin: z.number().positive().default(240),
    inflowMin: z.number().positive().default(60),
    /** L6: a drop larger than this over dropWindowH with nothing recorded, m. */
    unexplainedDropM: z.number().positive().default(0.03),
    dropWindowH: z.number().positive().default(2),
    /** L7: pit volume × density vs tanker load, %. */
    reconcilePct: z.number().positive().default(10),
    /** L8/L9: rise during rain beyond noise, m. */
    rainRiseNoiseM: z.number().positive().default(0.01),
    /** L8/L9: window over which rain and rise are compared, h. */
    rainWindowH: z.number().positive().default(3),
    /** L9: rise > factor × rainfall × (surface + catchment) / surface. */
    runoffFactor: z.number().positive().default(1.2),
    /** L9/L8: minimum rain in the window for the rule to judge, mm. */
    rainMinMm: z.number().min(0).default(2),
    /** Level sensor noise (1 σ, m), used to tell movement from noise. */
    levelNoiseM: z.number().positive().default(0.005),
  })
  .prefault({});

const storeSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  type: z.enum(["earth-lagoon", "concrete", "steel-tank"]),
  covered: z.boolean(),
  /** Liquid surface, m². */
  surfaceM2: z.number().positive(),
  /** Depth from the floor to the overflow lip, m. */
  depthToLipM: z.number().positive(),
  mounting: mountingSchema,
  levelSensor: sensorKey,
  rainSensor: sensorKey.optional(),
  /**
   * mm per unit of the rain sensor's value. 1 for the shipped map (protocol/maps/rain-gauge.json
   * scales tips to mm on the node); the bucket size (0.1, 0.2, 0.5) for a map that reports raw tips.
   */
  rainMmPerCount: z.number().positive().default(1),
  /** The rain gauge reports a running counter (wraps at 65536) or counts per interval. */
  rainCounter: z.enum(["cumulative", "interval"]).default("cumulative"),
  ambientSensor: sensorKey.optional(),
  /** Roofs and yards draining into the store, m². */
  catchmentM2: z.number().min(0).default(0),
  requiredStorageDays: z.number().positive().default(180),
  /** Slurry density, t/m³ (I). */
  density: z.number().positive().default(1.02),
  /** Design storm depth for L2 and L10, mm (I: NRCS 313 uses the 25-year 24-hour storm). */
  designStormMm: z.number().min(0).default(100),
  /** Net rain over the storage period on surface + catchment for L10, mm (GB/T 26624 Ro + P). */
  storagePeriodRainMm: z.number().min(0).default(0),
  /** Herd draining into the store, pig-equivalents (100 pigs = 15 dairy cows = ...). */
  herdPigEquivalents: z.number().min(0).default(0),
  /** Manure + wastewater per pig-equivalent per day, m³ (pig 2 kg + 10 L, provincial table, S). */
  inflowM3PerPeDay: z.number().min(0).default(0.012),
  /** Where the store is [lat, lon]: a tanker there loads from it, and may discharge into it (T1, T2). */
  position: z.tuple([z.number(), z.number()]).optional(),
  siteRadiusM: z.number().positive().default(50),
  /** Planned emptying dates (YYYY-MM-DD, local). */
  plannedEmptying: z.array(isoDate).default([]),
  thresholds: storeThresholds,
});

const probeSchema = z.object({
  sensor: sensorKey,
  position: z.enum(["core", "outer", "base"]),
});

const presetIds = ["gbt36195", "gb7959-manual", "gb7959-mechanical", "us-pfrp-windrow", "us-pfrp-static"] as const;

const pileSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  kind: z.enum(["windrow", "static", "in-vessel", "trough"]),
  probes: z.array(probeSchema).min(1),
  ambientSensor: sensorKey.optional(),
  preset: z.enum(presetIds).default("gbt36195"),
  /** Override how the preset counts time: held continuously (with dip tolerance) or cumulated. */
  holdMode: z.enum(["continuous", "cumulative"]).optional(),
  /** Build time of the current batch (epoch ms or ISO); a "built" event overrides it. */
  built: instant.optional(),
  thresholds: z
    .object({
      /** "Held for N days": a dip shorter than this around a logged turning does not reset (I). */
      dipToleranceH: z.number().min(0).default(4),
      /** C1: warn if not met by this day of the batch (I). */
      harmlessByDay: z.number().positive().default(21),
      overheatC: z.number().default(65),
      severeOverheatC: z.number().default(70),
      severeOverheatH: z.number().positive().default(6),
      failedStartC: z.number().default(45),
      failedStartDays: z.number().positive().default(5),
      coldZoneSpreadC: z.number().positive().default(10),
      coldZonePersistH: z.number().min(0).default(2),
      reheatC: z.number().default(55),
      reheatWithinH: z.number().positive().default(48),
      suddenDropC: z.number().positive().default(10),
      /** C10 waits this long for the curve to show a turning (reheat) before raising (I). */
      suddenDropConfirmH: z.number().min(0).default(12),
      maturityAboveAmbientC: z.number().default(8),
      maturityDays: z.number().positive().default(3),
      /** Turning inference: every valid probe falls at least this much within 2 h... */
      turnDropC: z.number().positive().default(5),
      /** ...then the hottest probe reheats by this much within 24 h. */
      turnReheatC: z.number().positive().default(3),
      /** Sensor health: a probe further than this from the others' median is implausible. */
      probeDisagreeC: z.number().positive().default(35),
      /** A probe without a valid reading for this long is not used (stale), min. */
      probeStaleMin: z.number().positive().default(30),
    })
    .prefault({}),
});

const fieldSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    /** Polygon as [lat, lon] vertices (WGS84). */
    polygon: z.array(z.tuple([z.number(), z.number()])).min(3).optional(),
    centre: z.tuple([z.number(), z.number()]).optional(),
    radiusM: z.number().positive().optional(),
    areaMu: z.number().positive(),
    crop: z.enum(["paddy", "dry"]),
    /** t/mu per season; default paddy 2, dry land 3 (one county's plan, V). */
    capTPerMu: z.number().positive().optional(),
    seasons: z
      .array(z.object({ name: z.string().min(1), start: isoDate, end: isoDate }))
      .default([]),
  })
  .refine((f) => f.polygon !== undefined || (f.centre !== undefined && f.radiusM !== undefined), {
    message: "a field needs a polygon or a centre and radiusM",
  });

const tankerSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  weightSensor: sensorKey,
  /** Extra sensor carrying positions (readings with pos); the weight readings' pos is used too. */
  positionSensor: sensorKey.optional(),
  weightUnit: z.enum(["kg", "t"]).default("kg"),
  capacityT: z.number().positive(),
  homePit: z.string().min(1).optional(),
  fields: z.array(fieldSchema).default([]),
  thresholds: z
    .object({
      /** T1: a step smaller than this is not a load or unload, t. */
      stepT: z.number().positive().default(0.5),
      /**
       * T1: stable window length, s (readings must span ¾ of it), and max standard deviation
       * in it, t. Two minutes: a weight that changes in steps (pumping in spurts, a simulator's
       * one-minute physics) must not make a ledger entry per step.
       */
      stableS: z.number().positive().default(120),
      stableSdT: z.number().positive().default(0.05),
      /** T2: weight falling this much over fallWindowS means discharge in progress, t. */
      fallT: z.number().positive().default(0.5),
      fallWindowS: z.number().positive().default(180),
      /**
       * T2: the fall must hold this long, s (every 3-min median fallT below the weight before
       * it): sloshing while driving falls and comes back, a discharge stays down.
       */
      holdS: z.number().nonnegative().default(180),
      /**
       * T1: a peak seen while the load moves (no stable window full) counts only when it clears
       * the stable weights before and after by this % of it too: sloshing while driving lifts
       * the highest 3-min median a few % above the load.
       */
      peakMarginPct: z.number().nonnegative().default(10),
      /**
       * The last GNSS fix stands for the tanker's position for this long, s: through a lane
       * under trees or a shed the tanker is taken to be where it was last seen (I). T2 says
       * how old the fix it judged on was.
       */
      positionMaxAgeS: z.number().positive().default(1800),
    })
    .prefault({}),
});

const healthOverride = z.object({
  /** Expected interval between readings, s (learned from the data when absent). */
  intervalS: z.number().positive().optional(),
  stale: z.boolean().optional(),
  staleIntervals: z.number().positive().optional(),
  /** Stuck: the same value for this long while noise is expected, h. */
  stuckH: z.number().positive().optional(),
  noiseExpected: z.boolean().optional(),
  range: z.tuple([z.number(), z.number()]).optional(),
  errorRatePct: z.number().min(0).max(100).optional(),
});

export const facilitiesSchema = z
  .object({
    /** Local time offset from UTC, minutes (China Standard Time +480): nights, days, seasons. */
    utcOffsetMin: z.number().int().default(480),
    /** Readings are processed in time order once they are this far behind the newest seen, min. */
    reorderMin: z.number().min(0).default(10),
    /**
     * A reading more than this ahead of the newest one seen does not move the farm's data time
     * until a second sensor confirms the jump (one node with a wrong clock must not make every
     * other reading "late"), h.
     */
    maxJumpH: z.number().positive().default(24),
    alerts: z
      .object({
        /** An alert clears once its condition has been false this long (data time), min. */
        clearHoldMin: z.number().min(0).default(60),
        perRule: z.record(z.string(), z.object({ clearHoldMin: z.number().min(0) })).default({}),
      })
      .prefault({}),
    health: z
      .object({
        staleIntervals: z.number().positive().default(3),
        /** Stale is never judged below this gap, min (a missed poll is not an outage). */
        staleMinMin: z.number().min(0).default(5),
        stuckH: z.number().positive().default(6),
        errorWindowMin: z.number().positive().default(60),
        errorRatePct: z.number().min(0).max(100).default(20),
        errorMinReadings: z.number().int().positive().default(10),
        sensors: z.record(z.string(), healthOverride).default({}),
      })
      .prefault({}),
    stores: z.array(storeSchema).default([]),
    piles: z.array(pileSchema).default([]),
    tankers: z.array(tankerSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    const ids = new Set<string>();
    for (const f of [...cfg.stores, ...cfg.piles, ...cfg.tankers]) {
      if (ids.has(f.id)) ctx.addIssue({ code: "custom", message: `duplicate facility id "${f.id}"` });
      ids.add(f.id);
    }
    const storeIds = new Set(cfg.stores.map((s) => s.id));
    cfg.tankers.forEach((tk, i) => {
      if (tk.homePit !== undefined && !storeIds.has(tk.homePit)) {
        ctx.addIssue({ code: "custom", path: ["tankers", i, "homePit"], message: `unknown store "${tk.homePit}"` });
      }
    });
    const owner = new Map<string, string>();
    const claim = (key: string | undefined, who: string, shareable: boolean) => {
      if (key === undefined) return;
      const prev = owner.get(key);
      if (prev !== undefined && !shareable) {
        ctx.addIssue({ code: "custom", message: `sensor "${key}" is used by both ${prev} and ${who}` });
      }
      if (!shareable) owner.set(key, who);
    };
    for (const s of cfg.stores) claim(s.levelSensor, `store ${s.id}`, false);
    for (const p of cfg.piles) for (const pr of p.probes) claim(pr.sensor, `pile ${p.id}`, false);
    for (const tk of cfg.tankers) claim(tk.weightSensor, `tanker ${tk.id}`, false);
  });

export type FacilitiesInput = z.input<typeof facilitiesSchema>;
export type FacilitiesConfig = z.output<typeof facilitiesSchema>;
export type StoreConfig = FacilitiesConfig["stores"][number];
export type PileConfig = FacilitiesConfig["piles"][number];
export type TankerConfig = FacilitiesConfig["tankers"][number];
export type FieldConfig = TankerConfig["fields"][number];
export type PresetId = (typeof presetIds)[number];

export class FacilitiesConfigError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`facilities configuration invalid: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`);
    this.name = "FacilitiesConfigError";
  }
}

/** Parse and default a facilities configuration; throws FacilitiesConfigError naming each bad field. */
export function parseFacilities(input: unknown): FacilitiesConfig {
  const r = facilitiesSchema.safeParse(input);
  if (!r.success) {
    throw new FacilitiesConfigError(r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  }
  return r.data;
}

/** L1 default minimum freeboard by store type (UK SSAFO / NRCS 313: 0.75 m lagoons, 0.30 m tanks). */
export function freeboardMin(s: StoreConfig): number {
  return s.thresholds.freeboardMinM ?? (s.type === "earth-lagoon" ? 0.75 : 0.3);
}

/** Ratio of rain-driven rise to rainfall: (surface if open + catchment) / surface. */
export function rainRatio(s: StoreConfig): number {
  return ((s.covered ? 0 : s.surfaceM2) + s.catchmentM2) / s.surfaceM2;
}

/** Local-date string (YYYY-MM-DD) to epoch ms of local midnight. */
export function localDateMs(date: string, utcOffsetMin: number): number {
  return Date.parse(`${date}T00:00:00Z`) - utcOffsetMin * 60_000;
}

export function instantMs(v: number | string): number {
  if (typeof v === "number") return v;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new FacilitiesConfigError([{ path: "built", message: `not a date: ${v}` }]);
  return ms;
}

export interface FacilitiesCheck {
  ok: boolean;
  config: FacilitiesConfig | null;
  /** Schema errors, each naming the field. */
  errors: { path: string; message: string }[];
}

/** Validate without throwing (for `check-config` and the HTTP API). The L10 audit is separate: capacityAudit(config). */
export function validateFacilities(input: unknown): FacilitiesCheck {
  try {
    return { ok: true, config: parseFacilities(input), errors: [] };
  } catch (e) {
    if (e instanceof FacilitiesConfigError) return { ok: false, config: null, errors: e.issues };
    throw e;
  }
}
