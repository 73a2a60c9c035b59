import { resolutionFor, type AlertRow, type EventRow, type RawReading, type RollupPoint, type SensorRow } from "../../store/queries";
import { badRequest, notFound } from "../errors";
import { facilityViews, type FacilityView } from "../facilities";
import type { RouteDeps } from "../host";
import { enumParam, intParam, rangeParams } from "../params";
import { alertsByFacility } from "../queries/alerts";
import type { Route } from "../router";

const DAY = 86_400_000;

/** GET /api/v1/facilities/{id}: the facility, its alerts (open first) and events of 90 days. */
export interface FacilityDetail {
  facility: FacilityView;
  alerts: AlertRow[];
  events: EventRow[];
}

/** GET /api/v1/sensors. */
export interface SensorsAnswer {
  sensors: SensorRow[];
}

/** A stored reading in a raw series (openapi.yaml RawPoint). */
export type RawPoint = Pick<RawReading, "seq" | "t" | "value" | "flags" | "reason">;

interface SeriesOf<R, P> {
  sensor: string;
  res: R;
  from: number;
  to: number;
  /** Raw only: the range held more than `limit` readings. */
  truncated: boolean;
  points: P[];
}

/** GET /api/v1/sensors/{sensor}/readings (openapi.yaml Readings): raw readings or rollups. */
export type ReadingsAnswer = SeriesOf<"raw", RawPoint> | SeriesOf<"minute" | "hour", RollupPoint>;

export function facilityRoutes(d: RouteDeps): Route[] {
  const views = () => facilityViews(d.host.store, d.facilities, safe(d.rulesState));
  return [
    {
      method: "GET",
      path: "/api/v1/facilities",
      access: "read",
      handler: () => ({ json: views() }),
    },
    {
      method: "GET",
      path: "/api/v1/facilities/{id}",
      access: "read",
      handler: (ctx) => {
        const id = ctx.params.id;
        const f = views().facilities.find((x) => x.id === id);
        if (!f) throw notFound(`no facility '${id.slice(0, 64)}' in the configuration`);
        const now = d.clock.now();
        return { json: { facility: f, alerts: alertsByFacility(d.host.store.db, id, 200), events: d.host.store.events(now - 90 * DAY, now + 366 * DAY, id) } satisfies FacilityDetail };
      },
    },
    {
      method: "GET",
      path: "/api/v1/sensors",
      access: "read",
      handler: () => ({ json: { sensors: d.host.store.sensors() } satisfies SensorsAnswer }),
    },
    {
      method: "GET",
      path: "/api/v1/sensors/{sensor}/readings",
      access: "read",
      handler: (ctx) => {
        const name = ctx.params.sensor;
        const slash = name.indexOf("/");
        if (slash <= 0 || slash === name.length - 1) throw badRequest("sensor must be '<node>/<key>', URL-encoded (pit-1%2Flvl.distance)");
        const id = d.host.store.sensorId(name.slice(0, slash), name.slice(slash + 1));
        if (id === null) throw notFound(`no sensor '${name.slice(0, 100)}'`);
        const now = d.clock.now();
        const { from, to } = rangeParams(ctx.url, now - DAY, now);
        const asked = enumParam(ctx.url, "res", ["auto", "raw", "minute", "hour"] as const, "auto");
        const res = asked === "auto" ? resolutionFor(from, to) : asked;
        if (res === "raw") {
          const limit = intParam(ctx.url, "limit", 10_000, 1, 100_000);
          const rows = d.host.store.rawReadings(id, from, to, limit + 1);
          const truncated = rows.length > limit;
          const points = (truncated ? rows.slice(0, limit) : rows).map((r): RawPoint => ({ seq: r.seq, t: r.t, value: r.value, flags: r.flags, reason: r.reason }));
          return { json: { sensor: name, res, from, to, truncated, points } satisfies ReadingsAnswer };
        }
        return { json: { sensor: name, res, from, to, truncated: false, points: d.host.store.rollupSeries(id, res, from, to) } satisfies ReadingsAnswer };
      },
    },
  ];
}

function safe<T>(f: () => T | null): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}
