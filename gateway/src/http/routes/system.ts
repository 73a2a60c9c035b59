import type { Route } from "../router";
import type { RouteDeps } from "../host";

export function systemRoutes(d: RouteDeps): Route[] {
  return [
    {
      method: "GET",
      path: "/api/v1/health",
      access: "public",
      handler: () => {
        const h = d.host.health();
        const body = {
          ok: h.ok,
          store: { ok: h.store.ok, reason: h.store.reason },
          queueDepth: h.queueDepth,
          upstream: h.upstream,
          uptimeMs: h.uptimeMs,
          feedSeq: d.host.store.lastFeedSeq(),
        };
        return { status: h.ok ? 200 : 503, json: body };
      },
    },
    {
      // Prometheus scrapes with `authorization: { credentials: <token> }` (a county-style read token).
      method: "GET",
      path: "/metrics",
      access: "read",
      handler: () => ({ text: d.host.metrics.render(), type: "text/plain; version=0.0.4; charset=utf-8" }),
    },
  ];
}
