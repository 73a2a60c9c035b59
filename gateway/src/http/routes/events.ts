import { isValidId } from "@manure-edge/protocol";
import { HttpError, badRequest } from "../errors";
import type { RouteDeps } from "../host";
import { rangeParams } from "../params";
import type { Route } from "../router";
import type { CommittedEvent } from "../../store/types";
import type { EventRow } from "../../store/queries";

/** GET /api/v1/events: oldest first. */
export interface EventsAnswer {
  events: EventRow[];
}

/** POST /api/v1/events: 201 with the committed event, or 202 when it is not committed yet. */
export type EventPostAnswer = { event: CommittedEvent } | { queued: true; reason: string };

const DAY = 86_400_000;
/** Event types an operator may record (the rules engine's FarmEventKind). */
export const EVENT_TYPES = ["turning", "pump-out", "pump-out-planned", "built", "released", "inflow"] as const;

export function eventRoutes(d: RouteDeps): Route[] {
  const known = new Set(d.facilities.map((f) => f.id));
  return [
    {
      method: "GET",
      path: "/api/v1/events",
      access: "user",
      handler: (ctx) => {
        const now = d.clock.now();
        const { from, to } = rangeParams(ctx.url, now - 30 * DAY, now + 366 * DAY);
        const facility = ctx.url.searchParams.get("facility") ?? undefined;
        return { json: { events: d.host.store.events(from, to, facility || undefined) } satisfies EventsAnswer };
      },
    },
    {
      method: "POST",
      path: "/api/v1/events",
      access: "user",
      role: "operator",
      handler: async (ctx) => {
        const b = await ctx.json();
        const facility = b.facility;
        if (typeof facility !== "string" || !isValidId(facility)) throw badRequest("'facility' must be a facility id");
        if (known.size > 0 && !known.has(facility)) throw badRequest(`'facility': no facility '${facility}' in the configuration`);
        const type = b.type;
        if (typeof type !== "string" || !(EVENT_TYPES as readonly string[]).includes(type)) throw badRequest(`'type' must be one of ${EVENT_TYPES.join(", ")}`);
        const now = d.clock.now();
        const t = b.t === undefined ? now : b.t;
        if (typeof t !== "number" || !Number.isSafeInteger(t) || t < 0) throw badRequest("'t' must be epoch ms (integer)");
        if (b.note !== undefined && (typeof b.note !== "string" || b.note.length > 2000)) throw badRequest("'note' must be a string of at most 2000 characters");
        if (b.data !== undefined && (b.data === null || typeof b.data !== "object" || Array.isArray(b.data))) throw badRequest("'data' must be a JSON object");
        const p = ctx.principal!;
        const by = p.kind === "session" ? p.user : p.name;
        // A fresh object: the committed batch carries this very reference, which is how the
        // commit of THIS request is recognised below.
        const data: Record<string, unknown> = { ...((b.data as Record<string, unknown> | undefined) ?? {}) };
        if (b.note !== undefined) data.note = b.note;
        const committed = await new Promise<CommittedEvent | "timeout" | "full">((resolve) => {
          let timer: unknown = null;
          const off = d.host.bus.on("committed", (batch) => {
            const e = batch.events.find((x) => x.data === data);
            if (!e) return;
            off();
            d.clock.clearTimeout(timer);
            resolve(e);
          });
          timer = d.clock.setTimeout(() => {
            off();
            resolve("timeout");
          }, d.commitWaitMs);
          if (!d.host.recordEvent({ facility, type, t, source: "operator", by, data })) {
            off();
            d.clock.clearTimeout(timer);
            resolve("full");
          }
        });
        if (committed === "full") throw new HttpError(503, "unavailable", "the commit queue is full: try again shortly");
        if (committed === "timeout") {
          const st = d.host.health().store;
          return { status: 202, json: { queued: true, reason: st.ok ? "not committed yet" : `store cannot commit: ${st.reason}` } satisfies EventPostAnswer };
        }
        return { status: 201, json: { event: committed } satisfies EventPostAnswer };
      },
    },
  ];
}
