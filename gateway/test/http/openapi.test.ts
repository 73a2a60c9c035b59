import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEnv, type Env } from "./setup";

interface Op {
  security?: unknown[];
  "x-token"?: boolean;
}
const spec = parse(readFileSync(join(__dirname, "..", "..", "openapi.yaml"), "utf8")) as { paths: Record<string, Record<string, Op>> };
const documented = Object.entries(spec.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => ({ key: `${m.toUpperCase()} ${path}`, path, method: m.toUpperCase(), op })));

let env: Env;
beforeAll(async () => {
  env = await startEnv();
}, 60_000);
afterAll(async () => {
  await env?.close();
});

it("serves exactly the routes gateway/openapi.yaml describes", () => {
  const served = env.gw.http.routes.map((r) => `${r.method} ${r.path}`).sort();
  expect(served).toEqual(documented.map((d) => d.key).sort());
});

it("marks public routes with security: [] and token-readable ones with x-token, as the router does", () => {
  for (const r of env.gw.http.routes) {
    const d = documented.find((x) => x.key === `${r.method} ${r.path}`)!;
    expect([r.path, Array.isArray(d.op.security) && d.op.security.length === 0]).toEqual([r.path, r.access === "public"]);
    expect([r.path, d.op["x-token"] === true]).toEqual([r.path, r.access === "read"]);
  }
});

it("answers every non-public route with 401 JSON without credentials, and with a bad cookie or token", async () => {
  for (const r of env.gw.http.routes) {
    if (r.access === "public") continue;
    const path = r.path.replace("{sensor}", encodeURIComponent("pit-1/lvl.distance")).replace(/\{[a-z]+\}/g, "1");
    const init = (h: Record<string, string>) => ({ method: r.method, headers: { "content-type": "application/json", ...h }, body: r.method === "POST" ? "{}" : undefined });
    const variants: Record<string, string>[] = [{}, { cookie: "fg_session=" + "A".repeat(43) }, { cookie: "fg_session=%%%" }, { authorization: "Bearer fgt_nope" }, { authorization: "Basic YTpi" }];
    for (const h of variants) {
      const res = await fetch(env.base + path, init(h));
      const body = await res.json();
      expect([r.method, path, h, res.status]).toEqual([r.method, path, h, 401]);
      expect(body).toEqual({ error: "unauthorized", reason: expect.any(String) });
    }
  }
});
