import { Field } from "../physics/field";
import { DEFAULT_LITRES_PER_PIG_EQ_DAY, pigEquivalents } from "../physics/herd";
import type { Scenario, DeviceSpec, NodeSpec } from "../scenario/types";

/**
 * The gateway's facilities configuration (gateway/src/rules/config.ts, docs/rules.md) derived
 * from a scenario's farm, the way an installer would write it for the same farm: each store's
 * geometry and its level sensor, each pile's probes by position, each tanker's load cell with
 * the registered fields. Sensor keys are the store's "<node>/<device>.<point>".
 */
export function facilitiesFromScenario(s: Scenario): Record<string, unknown> {
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
      if (!Object.values(bind).includes(quantity) && !(quantity in bind) && pointsOf(x.dev.map).includes(quantity)) return key(x, quantity);
    }
    return undefined;
  };
  const stores = (f.stores ?? []).map((st) => {
    const level = find(st.id, "distance", "ultrasonic-level");
    if (!level) return null;
    const node = level.split("/")[0]!;
    const out: Record<string, unknown> = {
      id: st.id, name: st.id,
      type: st.kind === "lagoon" ? "earth-lagoon" : "concrete",
      covered: st.covered ?? false,
      surfaceM2: st.areaM2, depthToLipM: st.lipDepthM,
      mounting: { kind: "distance-above", mountHeight: (st.sensorMountM ?? st.lipDepthM + 0.5) - st.lipDepthM },
      levelSensor: level,
      catchmentM2: st.catchmentM2 ?? 0,
    };
    // The rain gauge's map scales its counter to mm (0.2 mm a count), so a reading is mm already.
    const rain = find("weather", "rainTotal", "rain-gauge", node);
    if (rain) Object.assign(out, { rainSensor: rain, rainMmPerCount: 1, rainCounter: "cumulative" });
    const amb = find("weather", "temperature", "ambient-th", node);
    if (amb) out.ambientSensor = amb;
    if (st.herd) {
      out.herdPigEquivalents = Math.round(pigEquivalents(st.herd));
      out.inflowM3PerPeDay = (st.litresPerPigEqDay ?? DEFAULT_LITRES_PER_PIG_EQ_DAY) / 1000;
    }
    if (st.densityTPerM3 !== undefined) out.density = st.densityTPerM3;
    return out;
  }).filter((x) => x !== null);
  const piles = (f.piles ?? []).map((p) => {
    const probes: { sensor: string; position: string }[] = [];
    const pos: Record<string, string> = { core: "core", envelope: "outer", base: "base" };
    for (const x of sensors) {
      if (x.dev.subject !== p.id) continue;
      for (const [point, q] of Object.entries(x.dev.bind ?? {})) if (pos[q]) probes.push({ sensor: key(x, point), position: pos[q]! });
    }
    if (probes.length === 0) return null;
    const out: Record<string, unknown> = { id: p.id, name: p.id, kind: p.kind === "trough" ? "trough" : "windrow", probes, built: Date.parse(s.start) };
    const amb = find(p.id, "ambient");
    if (amb) out.ambientSensor = amb;
    return out;
  }).filter((x) => x !== null);
  const fields = (f.fields ?? []).map((fd) => {
    const paddy = fd.landUse ? fd.landUse === "paddy" : /rice|paddy/i.test(fd.crop);
    const out: Record<string, unknown> = { id: fd.id, name: fd.id, areaMu: fd.areaMu, crop: paddy ? "paddy" : "dry" };
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
  const tankers = (f.tankers ?? []).map((tk) => {
    const w = find(tk.id, "weight", "load-cell");
    if (!w) return null;
    const out: Record<string, unknown> = {
      id: tk.id, name: tk.id, weightSensor: w, weightUnit: "kg",
      capacityT: tk.capacityM3 * (tk.densityTPerM3 ?? 1.02), fields,
    };
    const home = tripStore.get(tk.id) ?? (f.stores ?? [])[0]?.id;
    if (home && stores.some((st) => st.id === home)) out.homePit = home;
    return out;
  }).filter((x) => x !== null);
  return { stores, piles, tankers };
}

const POINTS: Record<string, string[]> = {
  "ultrasonic-level": ["distance"],
  "hydrostatic-level": ["level"],
  "load-cell": ["weight"],
  "rain-gauge": ["rain_total"],
  "ambient-th": ["temp", "rh"],
};
function pointsOf(map: string): string[] {
  return POINTS[map] ?? [];
}
