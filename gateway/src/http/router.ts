import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "./auth";
import { badRequest } from "./errors";
import type { Role } from "../store/auth";

/**
 * Who may call a route:
 * - "public": anyone (health, login);
 * - "user": an operator session of any role;
 * - "read": an operator session or a county API token (read-only scope);
 * and, for writes, the least role a session needs.
 */
export type Access = "public" | "user" | "read";
/** A user's role, as stored (users.role has a CHECK on the same three). */
export type { Role } from "../store/auth";

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  principal: Principal | null;
  /** The JSON object body of a write (already size-checked and parsed). */
  json(): Promise<Record<string, unknown>>;
}

export type Reply =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  | { status?: number; text: string; type: string; headers?: Record<string, string> }
  /** The handler wrote the response itself (streams). */
  | { streamed: true };

export interface Route {
  method: "GET" | "POST";
  /** OpenAPI path template, e.g. /api/v1/alerts/{id}/ack. */
  path: string;
  access: Access;
  /** Least session role (writes); tokens never pass a route with a role above viewer. */
  role?: Role;
  handler(ctx: RequestContext): Reply | Promise<Reply>;
}

interface Compiled {
  route: Route;
  segments: string[];
}

/**
 * A tiny router: path templates with {param} segments matched against the RAW path (so an
 * encoded "/" inside a parameter, as in sensor "pit-1%2Flvl.distance", stays one segment),
 * parameters percent-decoded after the match.
 */
export class Router {
  private readonly compiled: Compiled[];

  constructor(readonly routes: Route[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.path.split("/") }));
  }

  /** The route and params for method+path, or which methods the path allows (405), or nothing (404). */
  match(method: string, rawPath: string): { route: Route; params: Record<string, string> } | { allowed: string[] } | null {
    const parts = rawPath.split("/");
    const allowed: string[] = [];
    for (const c of this.compiled) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      if (c.route.method === method || (method === "HEAD" && c.route.method === "GET")) return { route: c.route, params };
      allowed.push(c.route.method);
    }
    return allowed.length > 0 ? { allowed } : null;
  }
}

function matchSegments(tpl: string[], parts: string[]): Record<string, string> | null {
  if (tpl.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < tpl.length; i++) {
    const t = tpl[i];
    if (t.startsWith("{") && t.endsWith("}")) {
      if (parts[i] === "") return null;
      let v: string;
      try {
        v = decodeURIComponent(parts[i]);
      } catch {
        throw badRequest(`path parameter ${t} is not valid percent-encoding`);
      }
      params[t.slice(1, -1)] = v;
    } else if (t !== parts[i]) {
      return null;
    }
  }
  return params;
}
