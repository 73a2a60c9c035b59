import { Field } from "../physics/field";
import { DEFAULT_LITRES_PER_PIG_EQ_DAY, pigEquivalents } from "../physics/herd";
import type { DeviceSpec, NodeSpec, Scenario } from "./types";

/**
 * The gateway's facilities configuration (gateway/src/rules/config.ts `facilitiesSchema`,
 * docs/rules.md "Configuration per facility") derived from a scenario's farm, the way an
 * installer would write it for the same farm. The one derivation for every consumer: the
 * physics-level proof (test/scenarios-vs-rules.test.ts) and the rig (src/rig/) must both use it.
 *
 * - Sensor keys are the store's "<node>/<device>.<point>".
 * - Stores: geometry, level sensor (the ultrasonic distance; mounting from `sensorMountM`),
 *   rain gauge and air sensor on the same node, herd, density, position (for the tanker's load
 *   site). `catchmentM2` is the DECLARED catchment (`store.declared.catchmentM2`, defaulting to
 *   the physics' `store.catchmentM2`): the physics' catchment is what really drains in, which
 *   a farm may not declare (open-store-summer-storm: claimed 雨污分流, yard still drains in).
 * - Piles: probes by the physics quantity they are bound to (core → core, envelope → outer,
 *   base → base), the pile's ambient channel, built at the scenario's start.
 * - Tankers: the load cell (kg), capacity from the tank volume × density, the scenario's fields
 *   (paddy when `landUse` is paddy or the crop is rice), home pit = the store of its first trip.
 * - Every store, pile, tanker and field keeps its display `name` when it has one.
 *
 * Returns the configuration as JSON input (defaults are applied by the gateway's parser).
 */
export function facilitiesFromScenario(s: Scenario): FacilitiesJson {
  const f = s.farm;
  const sensors: { node: NodeSpec; dev: DeviceSpec }[] = [];
  for (const n of f.nodes) for (const d of n.devices) sensors.push({ node: n, dev: d });
  const key = (x: { node: NodeSpec; dev: DeviceSpec }, point: string) => `${x.node.id}/${x.dev.id}.${point}`;
  /** The point of a device bound to `quantity` of `subject` (bind, else the point's own name). */
  const find = (subject: string, quantity: string, map?: string, sameNode?: string): string | undefined => {
    for (const x of sensors) {
      if (x.dev.subject !== subject || (map && x.dev.map !== map) || (sameNode && x.node.id !== sameNode)) continue;
      const bind = x.dev.bind ?? {};
      for (const [point, q] of Object.entries(bind)) if (q === quantity) return key(x, point);
      if (!(quantity in bind) && (POINTS[x.dev.map] ?? []).includes(quantity)) return key(x, quantity);
    }
    return undefined;
  };
  const stores: Record<string, unknown>[] = [];
  for (const st of f.stores ?? []) {
    const level = find(st.id, "distance", "ultrasonic-level");
    if (!level) continue;
    const node = level.split("/")[0]!;
    const out: Record<string, unknown> = {
      id: st.id,
      type: st.kind === "lagoon" ? "earth-lagoon" : "concrete",
      covered: st.covered ?? false,
      surfaceM2: st.areaM2,
      depthToLipM: st.lipDepthM,
      mounting: { kind: "distance-above", mountHeight: (st.sensorMountM ?? st.lipDepthM + 0.5) - st.lipDepthM },
      levelSensor: level,
      catchmentM2: st.declared?.catchmentM2 ?? st.catchmentM2 ?? 0,
    };
    if (st.name !== undefined) out.name = st.name;
    // The rain gauge's map scales its counter to mm (0.2 mm a tip), so a reading is mm already.
    const rain = find("weather", "rainTotal", "rain-gauge", node);
    if (rain) Object.assign(out, { rainSensor: rain, rainMmPerCount: 1, rainCounter: "cumulative" });
    const amb = find("weather", "temperature", "ambient-th", node);
    if (amb) out.ambientSensor = amb;
    if (st.herd) {
      out.herdPigEquivalents = Math.round(pigEquivalents(st.herd));
      out.inflowM3PerPeDay = (st.litresPerPigEqDay ?? DEFAULT_LITRES_PER_PIG_EQ_DAY) / 1000;
    }
    if (st.densityTPerM3 !== undefined) out.density = st.densityTPerM3;
    if (st.lat !== undefined && st.lon !== undefined) out.position = [st.lat, st.lon];
    stores.push(out);
  }
  const piles: Record<string, unknown>[] = [];
  for (const p of f.piles ?? []) {
    const probes: { sensor: string; position: string }[] = [];
    const pos: Record<string, string> = { core: "core", envelope: "outer", base: "base" };
    for (const x of sensors) {
      if (x.dev.subject !== p.id) continue;
      for (const [point, q] of Object.entries(x.dev.bind ?? {})) if (pos[q]) probes.push({ sensor: key(x, point), position: pos[q]! });
    }
    if (probes.length === 0) continue;
    const out: Record<string, unknown> = { id: p.id, kind: p.kind === "trough" ? "trough" : "windrow", probes, built: Date.parse(s.start) };
    if (p.name !== undefined) out.name = p.name;
    const amb = find(p.id, "ambient");
    if (amb) out.ambientSensor = amb;
    piles.push(out);
  }
  const fields = (f.fields ?? []).map((fd) => {
    const paddy = fd.landUse ? fd.landUse === "paddy" : /rice|paddy/i.test(fd.crop);
    const out: Record<string, unknown> = { id: fd.id, areaMu: fd.areaMu, crop: paddy ? "paddy" : "dry" };
    if (fd.name !== undefined) out.name = fd.name;
    if (fd.polygon) out.polygon = fd.polygon.map((v) => [v.lat, v.lon]);
    else {
      const field = new Field(fd);
      out.centre = [field.center.lat, field.center.lon];
      out.radiusM = field.radiusM;
    }
    return out;
  });
  const tripStore = new Map<string, string>();
  for (const e of s.events ?? []) if (e.type === "tankerTrip" && !tripStore.has(e.tanker)) tripStore.set(e.tanker, e.store);
  const tankers: Record<string, unknown>[] = [];
  for (const tk of f.tankers ?? []) {
    const w = find(tk.id, "weight", "load-cell");
    if (!w) continue;
    const out: Record<string, unknown> = {
      id: tk.id, weightSensor: w, weightUnit: "kg", capacityT: tk.capacityM3 * (tk.densityTPerM3 ?? 1.02), fields,
    };
    if (tk.name !== undefined) out.name = tk.name;
    const home = tripStore.get(tk.id) ?? (f.stores ?? [])[0]?.id;
    if (home && stores.some((st) => st.id === home)) out.homePit = home;
    tankers.push(out);
  }
  return { utcOffsetMin: utcOffsetMin(s.start), stores, piles, tankers };
}

export interface FacilitiesJson {
  utcOffsetMin: number;
  stores: Record<string, unknown>[];
  piles: Record<string, unknown>[];
  tankers: Record<string, unknown>[];
}

/** The scenario start's own offset ("+08:00" → 480): the farm's local time for nights and seasons. */
function utcOffsetMin(start: string): number {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(start);
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** Points of each map that measure a quantity (the rest are configuration or status). */
const POINTS: Record<string, string[]> = {
  "ultrasonic-level": ["distance"],
  "hydrostatic-level": ["level"],
  "load-cell": ["weight"],
  "rain-gauge": ["rain_total"],
  "ambient-th": ["temp", "rh"],
};
