import { HttpError, badRequest, unauthorized } from "../errors";
import type { RouteDeps } from "../host";
import type { Role, Route } from "../router";

/** POST /api/v1/login and GET /api/v1/me (openapi.yaml Me). */
export interface SessionAnswer {
  user: string;
  role: Role;
  /** Sent back in x-csrf-token on every write. */
  csrf: string;
  expiresAt: number;
}

/** POST /api/v1/logout. */
export interface OkAnswer {
  ok: true;
}

export function sessionRoutes(d: RouteDeps, counters: { loginFailed: () => void; loginLimited: () => void }): Route[] {
  return [
    {
      method: "POST",
      path: "/api/v1/login",
      access: "public",
      handler: async (ctx) => {
        const lim = d.limiter.take(d.clientAddress(ctx.req));
        if (!lim.ok) {
          counters.loginLimited();
          const s = Math.ceil(lim.retryAfterMs / 1000);
          throw new HttpError(429, "too_many_requests", `too many login attempts from this address: retry in ${s} s`, { "retry-after": String(s) });
        }
        const body = await ctx.json();
        const { user, password } = body;
        if (typeof user !== "string" || user.length === 0 || user.length > 64) throw badRequest("'user' must be a string of 1..64 characters");
        if (typeof password !== "string" || password.length === 0 || password.length > 1024) throw badRequest("'password' must be a string of 1..1024 characters");
        const s = await d.auth.login(user, password);
        if (!s) {
          counters.loginFailed();
          throw unauthorized("wrong user name or password");
        }
        return { json: { user: s.user, role: s.role, csrf: s.csrf, expiresAt: s.expiresAt } satisfies SessionAnswer, headers: { "set-cookie": s.cookie } };
      },
    },
    {
      method: "POST",
      path: "/api/v1/logout",
      access: "user",
      handler: (ctx) => ({ json: { ok: true } satisfies OkAnswer, headers: { "set-cookie": d.auth.logout(ctx.principal!) } }),
    },
    {
      method: "GET",
      path: "/api/v1/me",
      access: "user",
      handler: (ctx) => {
        const p = ctx.principal!;
        if (p.kind !== "session") throw unauthorized("not a session");
        return { json: { user: p.user, role: p.role, csrf: p.csrf, expiresAt: p.expiresAt } satisfies SessionAnswer };
      },
    },
  ];
}
