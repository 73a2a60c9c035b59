import type { Route } from "../router";
import type { RouteDeps } from "../host";
import type { Health } from "../../gateway";

/** GET /api/v1/health (openapi.yaml Health); 503 with the same body when not ok. */
export interface HealthAnswer {
  ok: boolean;
  store: { ok: boolean; reason: string | null };
  queueDepth: number;
  upstream: Health["upstream"];
  uptimeMs: number;
  feedSeq: number;
}

export function systemRoutes(d: RouteDeps): Route[] {
  return [
    {
      method: "GET",
      path: "/api/v1/health",
      access: "public",
      handler: () => {
        const h = d.host.health();
        const body: HealthAnswer = {
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
