import { resolutionFor } from "../../store/queries";
import { badRequest, notFound } from "../errors";
import { facilityViews } from "../facilities";
import type { RouteDeps } from "../host";
import { enumParam, intParam, rangeParams } from "../params";
import { alertsByFacility } from "../queries/alerts";
import type { Route } from "../router";

const DAY = 86_400_000;

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
        return { json: { facility: f, alerts: alertsByFacility(d.host.store.db, id, 200), events: d.host.store.events(now - 90 * DAY, now + 366 * DAY, id) } };
      },
    },
    {
      method: "GET",
      path: "/api/v1/sensors",
      access: "read",
      handler: () => ({ json: { sensors: d.host.store.sensors() } }),
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
          const points = (truncated ? rows.slice(0, limit) : rows).map((r) => ({ seq: r.seq, t: r.t, value: r.value, flags: r.flags, reason: r.reason }));
          return { json: { sensor: name, res, from, to, truncated, points } };
        }
        return { json: { sensor: name, res, from, to, truncated: false, points: d.host.store.rollupSeries(id, res, from, to) } };
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
