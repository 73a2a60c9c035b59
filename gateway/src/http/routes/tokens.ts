import { badRequest, conflict, notFound } from "../errors";
import type { RouteDeps } from "../host";
import type { Route } from "../router";

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** County API tokens, managed by an admin (the same as `farm-gateway token add|revoke|list`). */
export function tokenRoutes(d: RouteDeps): Route[] {
  const store = d.host.store;
  return [
    {
      method: "GET",
      path: "/api/v1/tokens",
      access: "user",
      role: "admin",
      handler: () => ({ json: { tokens: store.tokens() } }),
    },
    {
      method: "POST",
      path: "/api/v1/tokens",
      access: "user",
      role: "admin",
      handler: async (ctx) => {
        const b = await ctx.json();
        if (typeof b.name !== "string" || !NAME.test(b.name)) throw badRequest("'name' must be 1..64 characters of A-Z a-z 0-9 _ . @ -");
        if (store.tokens().some((t) => t.name === b.name)) throw conflict(`a token named '${b.name}' exists (revoked tokens keep their name)`);
        const { token, row } = store.addToken(b.name, "read");
        // The clear token is shown this once; the store keeps its SHA-256 only.
        return { status: 201, json: { token, ...row } };
      },
    },
    {
      method: "POST",
      path: "/api/v1/tokens/{name}/revoke",
      access: "user",
      role: "admin",
      handler: (ctx) => {
        const name = ctx.params.name;
        if (!store.tokens().some((t) => t.name === name && t.revokedAt === null)) throw notFound(`no active token named '${name.slice(0, 64)}'`);
        store.revokeToken(name);
        return { json: { name, revoked: true } };
      },
    },
  ];
}
