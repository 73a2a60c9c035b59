import { badRequest, conflict, notFound, unavailable } from "../errors";
import type { RouteDeps } from "../host";
import { enumParam, intParam } from "../params";
import { alertTransitions } from "../queries/alerts";
import type { Route } from "../router";
import type { AlertRow, FeedTransition } from "../../store/queries";

/** GET /api/v1/alerts. */
export interface AlertsAnswer {
  alerts: AlertRow[];
}

/** GET /api/v1/alerts/{id}: the alert and its transitions, oldest first, in the feed's shape. */
export interface AlertHistory {
  alert: AlertRow;
  transitions: FeedTransition[];
}

/** POST /api/v1/alerts/{id}/ack: the alert after the acknowledgement and that transition. */
export interface AckAnswer {
  alert: AlertRow | null;
  transition: FeedTransition | null;
}

function alertId(s: string): number {
  if (!/^\d{1,12}$/.test(s)) throw badRequest("alert id must be a positive integer");
  return Number(s);
}

export function alertRoutes(d: RouteDeps): Route[] {
  const store = d.host.store;
  return [
    {
      method: "GET",
      path: "/api/v1/alerts",
      access: "user",
      handler: (ctx) => {
        const state = enumParam(ctx.url, "state", ["open", "all"] as const, "open");
        const limit = intParam(ctx.url, "limit", 500, 1, 10_000);
        return { json: { alerts: store.alerts({ open: state === "open", limit }) } satisfies AlertsAnswer };
      },
    },
    {
      method: "GET",
      path: "/api/v1/alerts/{id}",
      access: "user",
      handler: (ctx) => {
        const id = alertId(ctx.params.id);
        const alert = store.alert(id);
        if (!alert) throw notFound(`no alert ${id}`);
        return { json: { alert, transitions: alertTransitions(store.db, id) } satisfies AlertHistory };
      },
    },
    {
      method: "POST",
      path: "/api/v1/alerts/{id}/ack",
      access: "user",
      role: "operator",
      handler: async (ctx) => {
        const id = alertId(ctx.params.id);
        const body = await ctx.json();
        const note = body.note;
        if (typeof note !== "string" || note.trim().length === 0 || note.length > 2000) throw badRequest("'note' must be a non-empty string of at most 2000 characters");
        const p = ctx.principal!;
        const by = p.kind === "session" ? p.user : p.name;
        const a = store.alert(id);
        if (!a) throw notFound(`no alert ${id}`);
        if (a.state !== "raised") throw conflict(`alert ${id} is ${a.state}, only a raised alert can be acknowledged`);
        let tr;
        try {
          // The one path: transition + rules engine state in one transaction, then announced.
          tr = d.host.acknowledgeAlert(id, note, by);
        } catch (e) {
          d.log.warn("acknowledgement not stored", { alert: id, err: (e as Error).message });
          throw unavailable(`the store cannot commit (${(e as Error).message}); try again`);
        }
        if (!tr) throw conflict(`alert ${id} is no longer raised`);
        const transition = alertTransitions(store.db, id).find((x) => x.seq === tr.seq) ?? null;
        return { json: { alert: store.alert(id), transition } satisfies AckAnswer };
      },
    },
  ];
}
