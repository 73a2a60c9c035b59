import { afterAll, beforeAll, expect, it } from "vitest";
import Database from "better-sqlite3";
import { dbPath, startGateway, up } from "../support/gateway-fixture";
import { Api } from "./client";
import { createEngineSink } from "../../src/rules/sink";
import { FACILITIES, MIN, T0, startEnv, type Env } from "./setup";

let env: Env;
let county: Api;

beforeAll(async () => {
  env = await startEnv();
  county = env.api();
  county.bearer = env.gw.store.addToken("county").token;
}, 60_000);
afterAll(async () => {
  await env?.close();
});

/** Every feed seq in the database: readings, alert transitions, ledger entries. */
function allSeqs(path: string): number[] {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare("SELECT id AS s FROM readings UNION ALL SELECT feed_seq FROM alert_transitions UNION ALL SELECT feed_seq FROM ledger ORDER BY s").all() as { s: number }[];
  db.close();
  return rows.map((r) => r.s);
}

it("pages through the feed while data commits: nothing missed, nothing twice, in seq order; cursors survive a restart", async () => {
  const n = await env.node();
  const MESSAGES = 1500;
  let publishing = true;
  // The node publishes as fast as MQTT lets it (level readings raise L1 through the rules).
  const pub = (async () => {
    const inflight: Promise<unknown>[] = [];
    for (let s = 1; s <= MESSAGES; s++) {
      const t = T0 + s * MIN;
      inflight.push(n.publishUp(up("pit-1", 1, s, [["lvl.distance", t, s % 300 < 150 ? 0.6 : 1.5, 0], ["a.x", t, s, 0], ["a.y", t, -s, 0]])));
      if (inflight.length >= 50) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
    await n.waitAck(1, MESSAGES);
    publishing = false;
  })();
  const got: number[] = [];
  const cursors: { cursor: string; next: number[] }[] = [];
  let cursor = "";
  let pages = 0;
  let emptyAfterDone = 0;
  for (;;) {
    const limit = 1 + ((pages * 7919) % 400);
    const r = await county.get(`/api/v1/feed?limit=${limit}${cursor ? "&cursor=" + cursor : ""}`);
    expect(r.status).toBe(200);
    pages++;
    const seqs = r.body.items.map((i: { seq: number }) => i.seq);
    if (pages % 10 === 0 && seqs.length > 0) cursors.push({ cursor, next: seqs });
    got.push(...seqs);
    expect(r.body.items.length).toBeLessThanOrEqual(limit);
    if (seqs.length === 0) expect(r.body.next_cursor).toBe(cursor || r.body.next_cursor);
    cursor = r.body.next_cursor;
    if (!publishing && seqs.length === 0) {
      if (++emptyAfterDone >= 2) break;
    }
  }
  await pub;
  expect(pages).toBeGreaterThan(20);
  for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]);
  const kinds = new Set((await county.get("/api/v1/feed?limit=10000")).body.items.map((i: { type: string }) => i.type));
  expect(kinds).toEqual(new Set(["reading", "alert"]));
  expect(got).toEqual(allSeqs(dbPath(env.dir)));
  expect(got.length).toBeGreaterThanOrEqual(MESSAGES * 3);

  // The same cursors give the same pages after a restart of the gateway on the same database.
  await env.gw.stop();
  const gw2 = await startGateway(env.dir, { http: { host: "127.0.0.1", port: 0 }, facilities: FACILITIES }, undefined, createEngineSink(FACILITIES));
  try {
    const c2 = new Api(`http://127.0.0.1:${gw2.http.port}`);
    c2.bearer = county.bearer;
    for (const c of cursors.slice(0, 5)) {
      const r = await c2.get(`/api/v1/feed?limit=${c.next.length}${c.cursor ? "&cursor=" + c.cursor : ""}`);
      expect(r.body.items.map((i: { seq: number }) => i.seq)).toEqual(c.next);
    }
    const end = await c2.get(`/api/v1/feed?cursor=${cursor}`);
    expect(end.body).toMatchObject({ items: [], next_cursor: cursor });
    expect((await c2.get("/api/v1/feed?cursor=garbage")).status).toBe(400);
  } finally {
    await gw2.stop();
    env.gw = gw2; // already stopped; close() stops it again harmlessly
  }
}, 120_000);
