import { CommandRefused, type Commands } from "../../features/commands";
import { HttpError, badRequest, forbidden, notFound, unavailable } from "../errors";
import type { RouteDeps } from "../host";
import { intParam } from "../params";
import type { Route } from "../router";
import type { CommandRow } from "../../store/commands";

/** POST /api/v1/nodes/{node}/commands (202) and GET /api/v1/commands/{id}. */
export interface CommandAnswer {
  command: CommandRow;
}

/** GET /api/v1/nodes/{node}/commands: newest first. */
export interface CommandsAnswer {
  commands: CommandRow[];
}

const BODY_KEYS = ["op", "cfg"];
/** Ops that change what the node runs: admin only. ping and resend are harmless: operator. */
const ADMIN_OPS = new Set(["config", "reboot"]);

/**
 * Commands to nodes: POST stores and publishes one (202: accepted, the node's result comes
 * later), GETs show what became of them. Sessions only (no county token reads commands).
 */
export function commandRoutes(d: RouteDeps): Route[] {
  const commands = (): Commands => {
    const c = d.host.commands;
    if (!c) throw unavailable("commands to nodes are not available on this gateway");
    return c;
  };
  return [
    {
      method: "POST",
      path: "/api/v1/nodes/{node}/commands",
      access: "user",
      role: "operator",
      handler: async (ctx) => {
        const cmds = commands();
        const node = ctx.params.node;
        if (!cmds.isKnownNode(node)) throw notFound(`no node "${node.slice(0, 64)}"`);
        const body = await ctx.json();
        for (const k of Object.keys(body)) if (!BODY_KEYS.includes(k)) throw badRequest(`body: unknown field ${JSON.stringify(k.slice(0, 64))} (a command is { op, cfg? })`);
        const p = ctx.principal!;
        if (p.kind !== "session") throw forbidden("commands need an operator session");
        if (typeof body.op === "string" && ADMIN_OPS.has(body.op) && p.role !== "admin") throw forbidden(`role ${p.role} may not send "${body.op}" (needs admin)`);
        try {
          const command = await cmds.send(node, body.op, body.cfg, p.user);
          return { status: 202, json: { command } satisfies CommandAnswer };
        } catch (e) {
          if (e instanceof CommandRefused) {
            if (e.kind === "unknown_node") throw notFound(e.reason);
            if (e.kind === "too_many") throw new HttpError(429, "too_many_commands", e.reason);
            throw badRequest(`${e.path}: ${e.reason}`);
          }
          throw e;
        }
      },
    },
    {
      method: "GET",
      path: "/api/v1/nodes/{node}/commands",
      access: "user",
      handler: (ctx) => {
        const cmds = commands();
        const node = ctx.params.node;
        if (!cmds.isKnownNode(node)) throw notFound(`no node "${node.slice(0, 64)}"`);
        const limit = intParam(ctx.url, "limit", 50, 1, 500);
        return { json: { commands: cmds.list(node, limit) } satisfies CommandsAnswer };
      },
    },
    {
      method: "GET",
      path: "/api/v1/commands/{id}",
      access: "user",
      handler: (ctx) => {
        const c = commands().get(ctx.params.id);
        if (!c) throw notFound(`no command "${ctx.params.id.slice(0, 64)}"`);
        return { json: { command: c } satisfies CommandAnswer };
      },
    },
  ];
}
