import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { up } from "../support/gateway-fixture";
import { Api } from "./client";
import { MIN, T0, startEnv, type Env } from "./setup";

let env: Env;
let admin: Api;
let operator: Api;
let viewer: Api;

beforeAll(async () => {
  env = await startEnv();
  env.gw.store.addUser("admin", "admin-pass-1", "admin");
  env.gw.store.addUser("op", "operator-pass-1", "operator");
  env.gw.store.addUser("view", "viewer-pass-1", "viewer");
  admin = env.api();
  operator = env.api();
  viewer = env.api();
  expect((await admin.login("admin", "admin-pass-1")).status).toBe(200);
  expect((await operator.login("op", "operator-pass-1")).status).toBe(200);
  expect((await viewer.login("view", "viewer-pass-1")).status).toBe(200);
  // Six level readings one minute apart: distance 0.6 m = freeboard 0.1 m < 0.30 m (L1).
  const n = await env.node();
  const readings = [0, 1, 2, 3, 4, 5].map((i) => ["lvl.distance", T0 + i * MIN, 0.6, 0]);
  await n.publishUp(up("pit-1", 1, 1, readings));
  await n.publishUp(up("pit-1", 1, 2, [["lvl.distance", T0 + 6 * MIN, 0.61, 0], ["tmp.t", T0 + 6 * MIN, 21.5, 0]]));
  await n.waitAck(1, 2);
}, 60_000);

afterAll(async () => {
  await env?.close();
});

describe("health and errors", () => {
  it("answers health without auth, with the store state and feed seq", async () => {
    const r = await env.anon.get("/api/v1/health");
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.store).toEqual({ ok: true, reason: null });
    expect(r.body.feedSeq).toBeGreaterThanOrEqual(9);
    expect(typeof r.body.uptimeMs).toBe("number");
  });

  it("answers an unknown route with 404 JSON, a wrong method with 405 and Allow", async () => {
    const r = await admin.get("/api/v1/nope");
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: "not_found", reason: expect.stringContaining("/api/v1/nope") });
    const m = await admin.req("DELETE", "/api/v1/alerts");
    expect(m.status).toBe(405);
    expect(m.headers.get("allow")).toBe("GET");
  });

  it("refuses a body over 64 KiB with 413 and bad JSON with 400 and the reason", async () => {
    const big = await operator.req("POST", "/api/v1/events", JSON.stringify({ facility: "pit1", type: "turning", note: "x".repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(big.body.error).toBe("payload_too_large");
    const bad = await operator.req("POST", "/api/v1/events", "{not json");
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toMatch(/not valid JSON/);
    const form = await operator.req("POST", "/api/v1/events", "a=b", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
  });

  it("counts requests and errors in /metrics", async () => {
    const r = await admin.get("/metrics");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.text).toMatch(/gateway_http_requests_total\{route="\/api\/v1\/health",status="200"\} [1-9]/);
    expect(r.text).toMatch(/gateway_http_errors_total\{error="not_found",status="404"\} [1-9]/);
    expect(r.text).toMatch(/gateway_readings_stored_total 8/);
  });
});

describe("sessions", () => {
  it("sets an HttpOnly SameSite=Strict cookie and returns the CSRF token; /me repeats it", async () => {
    const a = env.api();
    const r = await a.login("op", "operator-pass-1");
    expect(r.headers.get("set-cookie")).toMatch(/^fg_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const me = await a.get("/api/v1/me");
    expect(me.body).toMatchObject({ user: "op", role: "operator", csrf: a.csrf });
  });

  it("refuses a wrong password with 401 and logs out for good", async () => {
    expect((await env.api().login("op", "wrong-password")).status).toBe(401);
    expect((await env.api().login("nobody", "wrong-password")).status).toBe(401);
    const a = env.api();
    await a.login("view", "viewer-pass-1");
    const noCsrf = await a.req("POST", "/api/v1/logout", {}, { "x-csrf-token": "" });
    expect(noCsrf.status).toBe(403);
    expect((await a.post("/api/v1/logout")).status).toBe(200);
    const after = await a.get("/api/v1/me");
    expect(after.status).toBe(401);
    expect(after.body.reason).toMatch(/expired or logged out/);
  });

  it("rate-limits logins per address with 429 and Retry-After", async () => {
    const codes: number[] = [];
    let last = null;
    for (let i = 0; i < 14; i++) {
      last = await env.api().login("op", "not-the-password");
      codes.push(last.status);
    }
    expect(codes).toContain(429);
    expect(codes.indexOf(429)).toBeGreaterThan(0);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("data", () => {
  it("lists sensors with their latest reading and serves readings raw or rolled up by span", async () => {
    const s = await viewer.get("/api/v1/sensors");
    expect(s.body.sensors.map((x: { sensor: string }) => x.sensor).sort()).toEqual(["pit-1/lvl.distance", "pit-1/tmp.t"]);
    const enc = encodeURIComponent("pit-1/lvl.distance");
    const raw = await viewer.get(`/api/v1/sensors/${enc}/readings?from=${T0}&to=${T0 + 3600_000}`);
    expect(raw.body.res).toBe("raw");
    expect(raw.body.points.map((p: { value: number }) => p.value)).toEqual([0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.61]);
    const minute = await viewer.get(`/api/v1/sensors/${enc}/readings?from=${T0}&to=${T0 + 2 * 86_400_000}`);
    expect(minute.body.res).toBe("minute");
    expect(minute.body.points).toHaveLength(7);
    const hour = await viewer.get(`/api/v1/sensors/${enc}/readings?from=${new Date(T0).toISOString()}&to=${T0 + 30 * 86_400_000}`);
    expect(hour.body.res).toBe("hour");
    expect(hour.body.points).toEqual([{ t: T0, min: 0.6, max: 0.61, avg: expect.closeTo((0.6 * 6 + 0.61) / 7, 9), count: 7, last: 0.61 }]);
    const forced = await viewer.get(`/api/v1/sensors/${enc}/readings?from=${T0}&to=${T0 + 30 * 86_400_000}&res=raw&limit=3`);
    expect(forced.body).toMatchObject({ res: "raw", truncated: true });
    expect(forced.body.points).toHaveLength(3);
    expect((await viewer.get(`/api/v1/sensors/${encodeURIComponent("pit-1/none")}/readings`)).status).toBe(404);
    expect((await viewer.get(`/api/v1/sensors/${enc}/readings?from=5&to=4`)).status).toBe(400);
    expect((await viewer.get(`/api/v1/sensors/${enc}/readings?res=week`)).status).toBe(400);
  });

  it("shows facilities with the rules state, latest readings and open alerts", async () => {
    const r = await viewer.get("/api/v1/facilities");
    expect(r.status).toBe(200);
    const f = r.body.facilities[0];
    expect(f).toMatchObject({ id: "pit1", kind: "store", name: "一号池", sensors: ["pit-1/lvl.distance"] });
    expect(f.latest["pit-1/lvl.distance"]).toEqual({ t: T0 + 6 * MIN, value: 0.61, flags: 0 });
    expect(f.state.freeboardM).toBeCloseTo(0.1, 1);
    expect(f.openAlerts.critical).toBe(1);
    const one = await viewer.get("/api/v1/facilities/pit1");
    expect(one.body.alerts[0]).toMatchObject({ rule: "L1", state: "raised" });
    expect((await viewer.get("/api/v1/facilities/nope")).status).toBe(404);
  });

  it("acknowledges an alert: viewer 403, no CSRF 403, operator 200 with the transition, then 409", async () => {
    const list = await viewer.get("/api/v1/alerts?state=open");
    const alert = list.body.alerts.find((a: { rule: string }) => a.rule === "L1");
    expect(alert).toMatchObject({ severity: "critical", state: "raised", facility: "pit1" });
    // The rules engine's params (the numbers of the sentence) come through the API.
    expect(alert.params).toMatchObject({ freeboardM: expect.any(Number), minM: expect.any(Number) });
    expect(alert.params.freeboardM).toBeLessThan(alert.params.minM);
    const one = await viewer.get("/api/v1/facilities/pit1");
    expect(one.body.alerts.find((a: { id: number }) => a.id === alert.id).params).toEqual(alert.params);
    const v = await viewer.post(`/api/v1/alerts/${alert.id}/ack`, { note: "seen" });
    expect(v.status).toBe(403);
    expect(v.body.reason).toMatch(/role viewer/);
    const noCsrf = await operator.req("POST", `/api/v1/alerts/${alert.id}/ack`, { note: "seen" }, { "x-csrf-token": "forged" });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.reason).toMatch(/x-csrf-token/);
    const ok = await operator.post(`/api/v1/alerts/${alert.id}/ack`, { note: "pumping tomorrow" });
    expect(ok.status).toBe(200);
    expect(ok.body.alert).toMatchObject({ state: "acknowledged", ackNote: "pumping tomorrow", ackBy: "op" });
    expect(ok.body.transition).toMatchObject({ type: "alert", from: "raised", to: "acknowledged", by: "op" });
    expect(ok.body.alert.params).toEqual(alert.params);
    // The rules engine's alert book heard it too.
    expect(env.sink.state().alerts.find((a) => a.rule === "L1")).toMatchObject({ state: "acknowledged" });
    expect((await operator.post(`/api/v1/alerts/${alert.id}/ack`, { note: "again" })).status).toBe(409);
    expect((await operator.post(`/api/v1/alerts/999999/ack`, { note: "x" })).status).toBe(404);
    expect((await operator.post(`/api/v1/alerts/${alert.id}/ack`, { note: "" })).status).toBe(400);
    const hist = await viewer.get(`/api/v1/alerts/${alert.id}`);
    expect(hist.body.transitions.map((t: { to: string }) => t.to)).toEqual(["raised", "acknowledged"]);
    expect(hist.body.alert.params).toEqual(alert.params);
    expect(hist.body.transitions[0].params).toEqual(alert.params);
    // The feed's alert entries carry them as well.
    const feed = await viewer.get("/api/v1/feed?limit=10000");
    const raised = feed.body.items.find((x: { type: string; alertId?: number; to?: string }) => x.type === "alert" && x.alertId === alert.id && x.to === "raised");
    expect(raised.params).toEqual(alert.params);
    const all = await viewer.get("/api/v1/alerts?state=all");
    expect(all.body.alerts.length).toBeGreaterThanOrEqual(1);
  });

  it("records an event once committed (201) and lists it; viewers and unknown facilities are refused", async () => {
    const t = T0 + 7 * MIN;
    const r = await operator.post("/api/v1/events", { facility: "pit1", type: "pump-out-planned", t, note: "tanker booked" });
    expect(r.status).toBe(201);
    expect(r.body.event).toMatchObject({ facility: "pit1", type: "pump-out-planned", t, source: "operator", by: "op", data: { note: "tanker booked" } });
    expect((await viewer.post("/api/v1/events", { facility: "pit1", type: "turning" })).status).toBe(403);
    expect((await operator.post("/api/v1/events", { facility: "pit9", type: "turning" })).status).toBe(400);
    expect((await operator.post("/api/v1/events", { facility: "pit1", type: "party" })).status).toBe(400);
    const list = await viewer.get(`/api/v1/events?from=${T0}&to=${T0 + 86_400_000}&facility=pit1`);
    expect(list.body.events.map((e: { id: number }) => e.id)).toContain(r.body.event.id);
  });

  it("shows nodes with sequence gaps and rejects by reason", async () => {
    const n = await env.node("pit-2");
    await n.publishUp(up("pit-2", 1, 1, [["a.b", T0 - MIN, 0, 0]]));
    await n.publishUp("not json at all");
    await n.publishUp(up("pit-2", 1, 2, [["a.b", T0, 1, 0]]));
    await n.publishUp(up("pit-2", 1, 5, [["a.b", T0 + MIN, 2, 0]]));
    await n.waitAck(1, 5);
    const r = await viewer.get("/api/v1/nodes");
    const p2 = r.body.nodes.find((x: { id: string }) => x.id === "pit-2");
    expect(p2.gaps).toEqual([{ boot: 1, from: 3, to: 4 }]);
    expect(p2.missing).toBe(2);
    expect(p2.rejects).toBe(1);
    const rej = await viewer.get("/api/v1/rejects?limit=5");
    expect(rej.body.counts.reduce((a: number, c: { count: number }) => a + c.count, 0)).toBe(1);
    expect(rej.body.recent[0]).toMatchObject({ node: "pit-2" });
  });

  it("serves the ledger with totals, and its CSV", async () => {
    const r = await viewer.get(`/api/v1/ledger?from=${T0}&to=${T0 + 86_400_000}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ entries: [], fields: [], totals: { loadedT: 0, appliedT: 0, unknownSiteT: 0 } });
    const csv = await viewer.get(`/api/v1/ledger.csv?from=${T0}&to=${T0 + 86_400_000}`);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.text.replace(/^\uFEFF/, "")).toBe("seq,id,t_iso,t_ms,kind,tanker,site,tonnes,lat,lon,season\r\n");
  });
});

describe("county tokens", () => {
  it("reads the feed, facilities and readings with a token; writes and operator routes are 403; a revoked token is 401", async () => {
    const { token } = env.gw.store.addToken("county");
    const c = env.api();
    c.bearer = token;
    expect((await c.get("/api/v1/feed?limit=2")).status).toBe(200);
    expect((await c.get("/api/v1/facilities")).status).toBe(200);
    expect((await c.get(`/api/v1/export?from=${T0}&to=${T0 + 86_400_000}`)).status).toBe(200);
    expect((await c.get("/metrics")).status).toBe(200);
    expect((await c.get("/api/v1/alerts")).status).toBe(403);
    expect((await c.get("/api/v1/me")).status).toBe(403);
    expect((await c.post("/api/v1/events", { facility: "pit1", type: "turning" })).status).toBe(403);
    env.gw.store.revokeToken("county");
    const gone = await c.get("/api/v1/feed");
    expect(gone.status).toBe(401);
    expect(gone.body.reason).toMatch(/revoked/);
    const bad = env.api();
    bad.bearer = "fgt_guess";
    expect((await bad.get("/api/v1/feed")).status).toBe(401);
  });
});

describe("token administration", () => {
  it("lets an admin create (shown once), list and revoke county tokens; an operator gets 403", async () => {
    expect((await operator.get("/api/v1/tokens")).status).toBe(403);
    expect((await operator.post("/api/v1/tokens", { name: "x" })).status).toBe(403);
    const made = await admin.post("/api/v1/tokens", { name: "county-b" });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: "county-b", scope: "read", revokedAt: null, token: expect.stringMatching(/^fgt_/) });
    expect((await admin.post("/api/v1/tokens", { name: "county-b" })).status).toBe(409);
    expect((await admin.post("/api/v1/tokens", { name: "bad name" })).status).toBe(400);
    const list = await admin.get("/api/v1/tokens");
    expect(JSON.stringify(list.body)).not.toContain(made.body.token);
    expect(list.body.tokens.map((t: { name: string }) => t.name)).toContain("county-b");
    const c = env.api();
    c.bearer = made.body.token;
    expect((await c.get("/api/v1/feed")).status).toBe(200);
    expect((await admin.post("/api/v1/tokens/county-b/revoke")).status).toBe(200);
    expect((await admin.post("/api/v1/tokens/county-b/revoke")).status).toBe(404);
    expect((await c.get("/api/v1/feed")).status).toBe(401);
  });
});

describe("export", () => {
  it("streams CSV and NDJSON of a time range", async () => {
    const nd = await admin.get(`/api/v1/export?from=${T0}&to=${T0 + 86_400_000}&format=ndjson`);
    const lines = nd.text.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.sensor === "pit-1/lvl.distance")).toHaveLength(7);
    const csv = await admin.get(`/api/v1/export?from=${T0}&to=${T0 + 86_400_000}&format=csv&sensor=${encodeURIComponent("pit-1/tmp.t")}`);
    const rows = csv.text.trim().split("\r\n");
    expect(rows[0]).toBe("sensor,node,key,t_iso,t_ms,value,flags,reason,lat,lon,fix,seq");
    expect(rows.slice(1)).toHaveLength(1);
    expect(rows[1]).toMatch(/^pit-1\/tmp\.t,pit-1,tmp\.t,2026-03-01T00:06:00\.000Z,\d+,21\.5,0,/);
    expect((await admin.get(`/api/v1/export?from=${T0}`)).status).toBe(400);
  });
});
