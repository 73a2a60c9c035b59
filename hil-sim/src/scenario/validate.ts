import { parseDuration } from "../clock/duration";
import { CLIMATES } from "../weather/climates";
import { checkAlertSubject, SEVERITIES } from "./alert-match";
import { NODE_EVENT_TYPES, PHYSICS_EVENT_TYPES, type AlertSeverity, type Scenario } from "./types";

export interface ScenarioIssue {
  /** JSON path of the offending value, e.g. "events[3].at". */
  path: string;
  reason: string;
}

export type ScenarioValidation = { ok: true; value: Scenario } | { ok: false; errors: ScenarioIssue[] };

type Obj = Record<string, unknown>;

const ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Checks a parsed scenario file and returns every problem found, each with its JSON path and
 * reason, or the scenario itself. Cross-references are checked too: an event's store, pile,
 * tanker, node or device must exist; a device's subject must be a model of the farm.
 */
export function validateScenario(json: unknown): ScenarioValidation {
  const errors: ScenarioIssue[] = [];
  const err = (path: string, reason: string) => errors.push({ path, reason });
  const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
  const str = (o: Obj, k: string, path: string, required = true): string | undefined => {
    const v = o[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== "string" || v.length === 0) err(`${path}.${k}`.replace(/^\./, ""), "must be a non-empty string");
    else return v;
    return undefined;
  };
  /** A display name: optional, 1 to 64 characters. */
  const name = (o: Obj, path: string) => {
    const v = str(o, "name", path, false);
    if (v !== undefined && v.length > 64) err(`${path}.name`, "must be at most 64 characters");
  };
  const num = (o: Obj, k: string, path: string, opts: { min?: number; max?: number; required?: boolean; int?: boolean } = {}) => {
    const v = o[k];
    const p = `${path}.${k}`.replace(/^\./, "");
    if (v === undefined) {
      if (opts.required !== false) err(p, "is required (a number)");
      return undefined;
    }
    if (typeof v !== "number" || !Number.isFinite(v)) return err(p, "must be a finite number"), undefined;
    if (opts.int && !Number.isInteger(v)) return err(p, "must be an integer"), undefined;
    if (opts.min !== undefined && v < opts.min) return err(p, `must be ≥ ${opts.min}`), undefined;
    if (opts.max !== undefined && v > opts.max) return err(p, `must be ≤ ${opts.max}`), undefined;
    return v;
  };
  const dur = (o: Obj, k: string, path: string, required = true): number | undefined => {
    const v = o[k];
    const p = `${path}.${k}`.replace(/^\./, "");
    if (v === undefined) {
      if (required) err(p, "is required (an ISO 8601 duration such as P3D or PT6H)");
      return undefined;
    }
    try {
      return parseDuration(v as string);
    } catch (e) {
      err(p, (e as Error).message);
      return undefined;
    }
  };
  const id = (o: Obj, k: string, path: string) => {
    const v = str(o, k, path);
    if (v !== undefined && !ID.test(v)) err(`${path}.${k}`, "must be 1–32 letters, digits, '-' or '_'");
    return v;
  };
  const latLon = (v: unknown, path: string) => {
    if (!isObj(v)) return err(path, "must be an object {lat, lon}");
    num(v, "lat", path, { min: -90, max: 90 });
    num(v, "lon", path, { min: -180, max: 180 });
  };
  const arr = (o: Obj, k: string, path: string, required = false): unknown[] => {
    const v = o[k];
    if (v === undefined) {
      if (required) err(`${path}.${k}`.replace(/^\./, ""), "is required (an array)");
      return [];
    }
    if (!Array.isArray(v)) return err(`${path}.${k}`.replace(/^\./, ""), "must be an array"), [];
    return v;
  };

  if (!isObj(json)) return { ok: false, errors: [{ path: "", reason: "a scenario must be a JSON object" }] };
  const s = json;
  str(s, "name", "");
  const startText = str(s, "start", "");
  if (startText !== undefined && (!/T.*(Z|[+-]\d\d:\d\d)$/.test(startText) || Number.isNaN(Date.parse(startText))))
    err("start", "must be an ISO 8601 date-time with an offset, e.g. 2026-06-01T00:00:00+08:00");
  const duration = dur(s, "duration", "");
  if (duration !== undefined && duration <= 0) err("duration", "must be longer than zero");
  const climate = str(s, "climate", "");
  if (climate !== undefined && !CLIMATES[climate]) err("climate", `unknown climate (known: ${Object.keys(CLIMATES).join(", ")})`);
  const step = dur(s, "step", "", false);
  if (step !== undefined && (step < 1000 || step > 3_600_000)) err("step", "must be between PT1S and PT1H");
  const trace = dur(s, "trace", "", false);
  if (trace !== undefined && trace % (step ?? 60_000) !== 0) err("trace", "must be a whole multiple of the physics step");

  const subjects = new Map<string, string>([["weather", "weather"]]);
  const nodes = new Map<string, Set<string>>();
  if (!isObj(s.farm)) err("farm", "must be an object");
  else {
    const f = s.farm;
    id(f, "id", "farm");
    const addSubject = (sid: string | undefined, kind: string, path: string) => {
      if (sid === undefined) return;
      if (subjects.has(sid)) err(path, `duplicate subject id "${sid}"`);
      subjects.set(sid, kind);
    };
    arr(f, "stores", "farm").forEach((st, i) => {
      const p = `farm.stores[${i}]`;
      if (!isObj(st)) return err(p, "must be an object");
      addSubject(id(st, "id", p), "store", `${p}.id`);
      name(st, p);
      num(st, "areaM2", p, { min: 0.01 });
      const lip = num(st, "lipDepthM", p, { min: 0.01 });
      const lvl = num(st, "initialLevelM", p, { min: 0 });
      if (lip !== undefined && lvl !== undefined && lvl > lip) err(`${p}.initialLevelM`, "must not be above lipDepthM");
      if (st.kind !== undefined && st.kind !== "lagoon" && st.kind !== "tank") err(`${p}.kind`, 'must be "lagoon" or "tank"');
      if (st.covered !== undefined && typeof st.covered !== "boolean") err(`${p}.covered`, "must be true or false");
      for (const k of ["catchmentM2", "litresPerPigEqDay", "sensorMountM", "densityTPerM3", "leakMmPerDay"]) num(st, k, p, { min: 0, required: false });
      num(st, "runoffCoeff", p, { min: 0, max: 1, required: false });
      if (st.declared !== undefined) {
        if (!isObj(st.declared)) err(`${p}.declared`, "must be an object (what the farm declares to the gateway)");
        else {
          for (const k of Object.keys(st.declared)) if (k !== "catchmentM2") err(`${p}.declared.${k}`, "unknown declared field (catchmentM2)");
          num(st.declared, "catchmentM2", `${p}.declared`, { min: 0, required: false });
        }
      }
      if (st.herd !== undefined) {
        if (!isObj(st.herd)) err(`${p}.herd`, "must be an object of head counts");
        else
          for (const [k] of Object.entries(st.herd)) {
            if (!["pigs", "dairyCows", "beefCattle", "sheep", "poultry"].includes(k)) err(`${p}.herd.${k}`, "unknown species (pigs, dairyCows, beefCattle, sheep, poultry)");
            else num(st.herd, k, `${p}.herd`, { min: 0 });
          }
      }
      if (st.inflowPattern !== undefined && (!Array.isArray(st.inflowPattern) || st.inflowPattern.length !== 24 || st.inflowPattern.some((x) => typeof x !== "number" || x < 0)))
        err(`${p}.inflowPattern`, "must be 24 numbers ≥ 0 (one per local hour)");
    });
    arr(f, "piles", "farm").forEach((pl, i) => {
      const p = `farm.piles[${i}]`;
      if (!isObj(pl)) return err(p, "must be an object");
      addSubject(id(pl, "id", p), "pile", `${p}.id`);
      name(pl, p);
      if (pl.kind !== undefined && pl.kind !== "windrow" && pl.kind !== "trough") err(`${p}.kind`, 'must be "windrow" or "trough"');
      num(pl, "moisturePct", p, { min: 0, max: 100, required: false });
      num(pl, "initialTempC", p, { min: -50, max: 90, required: false });
      num(pl, "heatIndex", p, { min: 0.01, max: 5, required: false });
    });
    const fieldIds = new Set<string>();
    arr(f, "fields", "farm").forEach((fl, i) => {
      const p = `farm.fields[${i}]`;
      if (!isObj(fl)) return err(p, "must be an object");
      const fid = id(fl, "id", p);
      name(fl, p);
      if (fid !== undefined) {
        if (fieldIds.has(fid)) err(`${p}.id`, `duplicate field id "${fid}"`);
        fieldIds.add(fid);
      }
      str(fl, "crop", p);
      num(fl, "areaMu", p, { min: 0.01 });
      if (fl.center !== undefined) latLon(fl.center, `${p}.center`);
      if (fl.polygon !== undefined) {
        if (!Array.isArray(fl.polygon) || fl.polygon.length < 3) err(`${p}.polygon`, "must be at least 3 {lat, lon} points");
        else fl.polygon.forEach((q, j) => latLon(q, `${p}.polygon[${j}]`));
      }
      if (fl.center === undefined && fl.polygon === undefined) err(p, "needs a center or a polygon");
      num(fl, "radiusM", p, { min: 1, required: false });
    });
    arr(f, "tankers", "farm").forEach((tk, i) => {
      const p = `farm.tankers[${i}]`;
      if (!isObj(tk)) return err(p, "must be an object");
      addSubject(id(tk, "id", p), "tanker", `${p}.id`);
      name(tk, p);
      num(tk, "capacityM3", p, { min: 0.1 });
      latLon(tk.home, `${p}.home`);
      for (const k of ["pumpRateM3PerH", "dischargeRateM3PerH", "speedKmh", "densityTPerM3", "sloshPct"]) num(tk, k, p, { min: 0, required: false });
      arr(tk, "noFixZones", p).forEach((z, j) => {
        latLon(z, `${p}.noFixZones[${j}]`);
        if (isObj(z)) num(z, "radiusM", `${p}.noFixZones[${j}]`, { min: 1 });
      });
    });
    arr(f, "nodes", "farm", true).forEach((nd, i) => {
      const p = `farm.nodes[${i}]`;
      if (!isObj(nd)) return err(p, "must be an object");
      const nid = id(nd, "id", p);
      const devices = new Set<string>();
      if (nid !== undefined) {
        if (nodes.has(nid)) err(`${p}.id`, `duplicate node id "${nid}"`);
        nodes.set(nid, devices);
      }
      const units = new Set<number>();
      arr(nd, "devices", p, true).forEach((dv, j) => {
        const q = `${p}.devices[${j}]`;
        if (!isObj(dv)) return err(q, "must be an object");
        const did = id(dv, "id", q);
        if (did !== undefined) {
          if (devices.has(did)) err(`${q}.id`, `duplicate device id "${did}" on node`);
          devices.add(did);
        }
        const unit = num(dv, "unit", q, { min: 1, max: 247, int: true });
        if (unit !== undefined) {
          if (units.has(unit)) err(`${q}.unit`, `unit ${unit} already used on this node's bus`);
          units.add(unit);
        }
        const map = str(dv, "map", q);
        if (map !== undefined && !/^[a-z0-9-]+$/.test(map)) err(`${q}.map`, "must be a register map id (protocol/maps/<id>.json)");
        num(dv, "every", q, { min: 1 });
        num(dv, "fast", q, { min: 1, required: false });
        const subj = str(dv, "subject", q);
        if (subj !== undefined && !subjects.has(subj)) err(`${q}.subject`, `no store, pile, tanker or "weather" called "${subj}"`);
        if (dv.bind !== undefined && (!isObj(dv.bind) || Object.values(dv.bind).some((v) => typeof v !== "string")))
          err(`${q}.bind`, "must map point names to quantity names (strings)");
      });
      if (nd.gps !== undefined) {
        if (!isObj(nd.gps) || typeof nd.gps.tanker !== "string") err(`${p}.gps`, "must be {tanker: <tanker id>}");
        else if (subjects.get(nd.gps.tanker) !== "tanker") err(`${p}.gps.tanker`, `no tanker called "${nd.gps.tanker}"`);
      }
    });

    const ref = (o: Obj, k: string, kind: string, path: string) => {
      const v = str(o, k, path);
      if (v !== undefined && subjects.get(v) !== kind) err(`${path}.${k}`, `no ${kind} called "${v}"`);
    };
    arr(s, "events", "").forEach((ev, i) => {
      const p = `events[${i}]`;
      if (!isObj(ev)) return err(p, "must be an object");
      const at = dur(ev, "at", p);
      if (at !== undefined && duration !== undefined && (at < 0 || at > duration)) err(`${p}.at`, "must be within the scenario's duration");
      const type = ev.type as string;
      if (!(PHYSICS_EVENT_TYPES as readonly string[]).includes(type) && !(NODE_EVENT_TYPES as readonly string[]).includes(type))
        return err(`${p}.type`, `unknown event type (known: ${[...PHYSICS_EVENT_TYPES, ...NODE_EVENT_TYPES].join(", ")})`);
      switch (type) {
        case "turn":
          return ref(ev, "pile", "pile", p);
        case "wetPile":
          ref(ev, "pile", "pile", p);
          return num(ev, "pctPoints", p, { min: 0, max: 50 });
        case "pumpOut":
          ref(ev, "store", "store", p);
          num(ev, "volumeM3", p, { min: 0.001 });
          return num(ev, "rateM3PerH", p, { min: 0.001, required: false });
        case "tankerTrip": {
          ref(ev, "tanker", "tanker", p);
          ref(ev, "store", "store", p);
          num(ev, "volumeM3", p, { min: 0.001 });
          const to = str(ev, "to", p);
          if (ev.route !== undefined) {
            if (!Array.isArray(ev.route) || ev.route.length === 0) err(`${p}.route`, "must be a non-empty array of {lat, lon}");
            else ev.route.forEach((q, j) => latLon(q, `${p}.route[${j}]`));
          } else if (to !== undefined && !fieldIds.has(to)) err(`${p}.to`, `no field called "${to}" (and no route given)`);
          return;
        }
        case "storm":
          dur(ev, "duration", p);
          return num(ev, "depthMm", p, { min: 0, max: 1000 });
        case "coldSnap":
          dur(ev, "duration", p);
          return num(ev, "deltaC", p, { min: -60, max: 60 });
        case "coverBroken":
        case "coverRepaired":
        case "leakStop":
          return ref(ev, "store", "store", p);
        case "leakStart":
          ref(ev, "store", "store", p);
          return num(ev, "rateMmPerDay", p, { min: 0, max: 1000 });
        case "inflow":
          ref(ev, "store", "store", p);
          return num(ev, "factor", p, { min: 0, max: 100 });
        default: {
          const node = str(ev, "node", p);
          if (node !== undefined && !nodes.has(node)) return err(`${p}.node`, `no node called "${node}"`);
          if (type === "powerLoss") dur(ev, "duration", p, false);
          if (type === "sensorFault") {
            const dev = str(ev, "device", p);
            if (node !== undefined && dev !== undefined && !nodes.get(node)!.has(dev)) err(`${p}.device`, `no device "${dev}" on node "${node}"`);
            if (!["unplugged", "stuck", "drift", "dead", "clear"].includes(ev.fault as string)) err(`${p}.fault`, "must be unplugged, stuck, drift, dead or clear");
            num(ev, "value", p, { required: false });
            str(ev, "point", p, false);
          }
        }
      }
    });

    arr(s, "expect", "").forEach((ex, i) => {
      const p = `expect[${i}]`;
      if (!isObj(ex)) return err(p, "must be an object");
      if (ex.between !== undefined) {
        if (!Array.isArray(ex.between) || ex.between.length !== 2) err(`${p}.between`, "must be [from, to] ISO 8601 durations");
        else {
          const [a, b] = ex.between.map((d, j) => dur({ d }, "d", `${p}.between[${j}]`));
          if (a !== undefined && b !== undefined && a > b) err(`${p}.between`, "from must not be after to");
        }
      }
      const subjectQ = (k: string) => {
        const v = str(ex, k, p);
        if (v === undefined) return;
        const dot = v.indexOf(".");
        if (dot < 0 || !subjects.has(v.slice(0, dot))) err(`${p}.${k}`, `must be "<subject>.<quantity>" with a known subject`);
      };
      const alertSubject = () => {
        const v = str(ex, "subject", p, false);
        if (v === undefined) return;
        const why = checkAlertSubject(v, json as unknown as Scenario);
        if (why) err(`${p}.subject`, why);
      };
      const severity = (k: string, v: unknown, required: boolean) => {
        if (v === undefined && !required) return;
        if (!SEVERITIES.includes(v as AlertSeverity)) err(`${p}.${k}`, "must be info, warn or critical");
      };
      if ("alert" in ex) {
        str(ex, "alert", p);
        alertSubject();
        severity("severity", ex.severity, false);
      } else if ("noAlert" in ex) {
        str(ex, "noAlert", p);
        alertSubject();
      } else if ("noAlerts" in ex) {
        if (ex.noAlerts !== true && !(isObj(ex.noAlerts) && SEVERITIES.includes(ex.noAlerts.minSeverity as AlertSeverity)))
          err(`${p}.noAlerts`, 'must be true (no warn or critical) or {"minSeverity": "info" | "warn" | "critical"}');
      } else if ("ledger" in ex) {
        if (ex.ledger !== "load" && ex.ledger !== "unload") err(`${p}.ledger`, 'must be "load" or "unload"');
        if (ex.tanker !== undefined) ref(ex, "tanker", "tanker", p);
        if (ex.site !== undefined && ex.site !== null && typeof ex.site !== "string") err(`${p}.site`, "must be a store or field id, or null");
      } else if ("noReadingLost" in ex) {
        if (ex.noReadingLost !== true) err(`${p}.noReadingLost`, "must be true");
      } else if ("overflow" in ex) ref(ex, "overflow", "store", p);
      else if ("noOverflow" in ex) ref(ex, "noOverflow", "store", p);
      else if ("quantity" in ex) {
        subjectQ("quantity");
        if (!["max", "min", "final", "mean"].includes(ex.stat as string)) err(`${p}.stat`, "must be max, min, final or mean");
        num(ex, "above", p, { required: false });
        num(ex, "below", p, { required: false });
        if (ex.above === undefined && ex.below === undefined) err(p, "needs above and/or below");
      } else if ("held" in ex) {
        subjectQ("held");
        num(ex, "atLeast", p);
        dur(ex, "for", p);
      } else if ("discharge" in ex) {
        str(ex, "discharge", p);
        if (ex.tanker !== undefined) ref(ex, "tanker", "tanker", p);
      } else err(p, "unknown expectation (alert, noAlert, noAlerts, ledger, noReadingLost, overflow, noOverflow, quantity, held, discharge)");
    });
  }

  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: json as unknown as Scenario };
}
