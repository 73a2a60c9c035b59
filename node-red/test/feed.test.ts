import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { startEnv, MIN, T0, type Env } from "../../gateway/test/http/setup";
import { up } from "../../gateway/test/support/gateway-fixture";
import { initHelper, loadModule, record, until } from "./support";

/**
 * manure-feed in the real Node-RED runtime against a real gateway (embedded broker, SQLite in
 * a temp dir, rules engine): every entry of the feed arrives once, in seq order, across pages
 * and across a redeploy; errors leave the position where it was.
 */
const helper = initHelper({ contextStorage: { default: { module: "memory" } } });
let mod: unknown;
let env: Env;
let token: string;
let published = 0;

beforeAll(async () => {
  mod = await loadModule();
  env = await startEnv();
  token = env.gw.store.addToken("node-red").token;
  await helper.startServer();
}, 120_000);
afterEach(async () => {
  await helper.unload();
});
afterAll(async () => {
  await helper.stopServer();
  await env?.close();
});

/** Publishes `n` more messages of three readings each; level 0.6 m raises L1, 1.5 m clears it (alert entries). */
async function publish(n: number): Promise<void> {
  const node = await env.node();
  for (let k = 0; k < n; k++) {
    const s = ++published;
    const t = T0 + s * MIN;
    await node.publishUp(up("pit-1", 1, s, [["lvl.distance", t, s % 40 < 20 ? 0.6 : 1.5, 0], ["a.x", t, s, 0], ["a.y", t, -s, 0]]));
  }
  await node.waitAck(1, published);
}

/** Every seq the gateway's feed holds, read directly with a large page. */
async function allSeqs(): Promise<number[]> {
  const r = await fetch(`${env.base}/api/v1/feed?limit=10000`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await r.json()) as { items: { seq: number }[] };
  return body.items.map((i) => i.seq);
}

function flow(extra: Record<string, unknown> = {}, url = env.base) {
  // On a tab, as in a real flow file (a node's context is kept per node id and tab).
  return [
    { id: "tab", type: "tab", label: "county" },
    { id: "gw", type: "manure-gateway", url },
    { id: "feed", type: "manure-feed", z: "tab", gateway: "gw", interval: 1, limit: 37, timeout: 5, output: "item", wires: [["out"]], ...extra },
    { id: "out", type: "helper", z: "tab" },
  ];
}

it("delivers every feed entry once, in seq order, across pages and a full redeploy", async () => {
  await publish(60);
  const creds = { gw: { token } };
  // Node-RED drops a node's context when the node closes unless a context store is configured
  // (contextStorage in settings.js; the README says so): deploy with one, as a farm would.
  await helper.load(mod, flow().filter((n) => n.id !== "feed"), creds);
  await helper.loadContextStores();
  await helper.setFlows(flow(), "full", creds);
  const out = record(helper.getNode("out"));
  let expected = await allSeqs();
  expect(expected.length).toBeGreaterThan(180); // 180 readings plus the L1 transitions
  await until(() => out.msgs.length >= expected.length, 60_000, "the first backlog");
  const first = out.msgs.map((m) => m.seq as number);
  expect(first).toEqual(expected);
  const kinds = new Set(out.msgs.map((m) => (m.payload as { type: string }).type));
  expect(kinds).toEqual(new Set(["reading", "alert"]));
  const reading = out.msgs.find((m) => (m.payload as { key?: string }).key === "a.x")!;
  expect(reading.topic).toBe("reading/pit-1/a.x");
  expect(out.msgs.find((m) => (m.payload as { type: string }).type === "alert")!.topic).toBe("alert/store:pit1");

  // More data, then a full redeploy (every node restarted, contexts kept) while it is paged.
  await publish(40);
  await helper.setFlows(flow(), "full", creds);
  const out2 = record(helper.getNode("out"));
  expected = await allSeqs();
  await until(() => first.length + out2.msgs.length >= expected.length, 60_000, "the entries after the redeploy");
  const all = [...first, ...out.msgs.slice(first.length).map((m) => m.seq as number), ...out2.msgs.map((m) => m.seq as number)];
  expect(all).toEqual(expected);
  expect(helper.getNode("feed").context().get("seq")).toBe(expected[expected.length - 1]);
}, 180_000);

it("one message per page when asked", async () => {
  await helper.load(mod, flow({ output: "page", limit: 100 }), { gw: { token } });
  const out = record(helper.getNode("out"));
  const expected = await allSeqs();
  await until(() => out.msgs.reduce((n, m) => n + (m.payload as unknown[]).length, 0) >= expected.length, 60_000, "the pages");
  expect(out.msgs.length).toBe(Math.ceil(expected.length / 100));
  expect(out.msgs.flatMap((m) => (m.payload as { seq: number }[]).map((i) => i.seq))).toEqual(expected);
  expect(out.msgs.every((m) => typeof m.cursor === "string" && m.topic === "feed")).toBe(true);
}, 120_000);

it("a wrong token: the 401 is reported, retried, nothing sent, the position unmoved", async () => {
  await helper.load(mod, flow(), { gw: { token: "fgt_wrong" } });
  const feed = helper.getNode("feed");
  const errs = record(feed);
  const out = record(helper.getNode("out"));
  await until(() => errs.errors.length >= 2, 30_000, "two failed polls");
  expect(errs.errors[0]).toMatch(/^feed: HTTP 401 unauthorized/);
  expect(errs.statuses.at(-1)).toMatchObject({ fill: "red" });
  expect(errs.statuses.at(-1)!.text).toMatch(/error \(\d+\)/);
  expect(out.msgs).toEqual([]);
  expect(feed.context().get("cursor")).toBeUndefined();
}, 60_000);

it("a gateway without a token in the configuration is refused at deploy", async () => {
  await helper.load(mod, flow(), {});
  const logged = helper.log().args.map((a) => a[0] as { level: number; id?: string; msg?: unknown });
  expect(logged.filter((l) => l.id === "feed" && l.level === 20).map((l) => String(l.msg))).toEqual(["manure-feed: configure a gateway with its address and a county token"]);
  expect(helper.getNode("feed").context().get("cursor")).toBeUndefined();
});

/** A server that answers every request with `answer`. */
async function fakeGateway(answer: (res: import("node:http").ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => answer(res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

it.each([
  ["not JSON", (res: import("node:http").ServerResponse) => res.writeHead(200, { "content-type": "application/json" }).end("{\"items\": [1, 2"), /^feed: the answer is not JSON/],
  ["not the feed", (res: import("node:http").ServerResponse) => res.writeHead(200).end(JSON.stringify({ hello: "world" })), /^feed: items is not an array/],
  [
    "seqs out of order",
    (res: import("node:http").ServerResponse) => res.writeHead(200).end(JSON.stringify({ items: [{ type: "reading", seq: 5 }, { type: "reading", seq: 4 }], next_cursor: "x", last_seq: 5 })),
    /^feed: items\[1\]\.seq 4 is not above 5/,
  ],
  ["a 503", (res: import("node:http").ServerResponse) => res.writeHead(503).end(JSON.stringify({ error: "unavailable", reason: "store cannot commit" })), /^feed: HTTP 503 unavailable: store cannot commit/],
])("an answer that is %s: reported, nothing sent, the position unmoved", async (_name, answer, message) => {
  const fake = await fakeGateway(answer);
  try {
    await helper.load(mod, flow({}, fake.url), { gw: { token: "t" } });
    const feed = helper.getNode("feed");
    const rec = record(feed);
    const out = record(helper.getNode("out"));
    await until(() => rec.errors.length >= 1, 30_000, "the error");
    expect(rec.errors[0]).toMatch(message);
    expect(out.msgs).toEqual([]);
    expect(feed.context().get("cursor")).toBeUndefined();
    expect(feed.context().get("seq")).toBeUndefined();
  } finally {
    fake.server.closeAllConnections();
    fake.server.close();
  }
}, 60_000);

it("a gateway that never answers: given up after the timeout", async () => {
  const fake = await fakeGateway(() => undefined);
  try {
    await helper.load(mod, flow({ timeout: 1 }, fake.url), { gw: { token: "t" } });
    const rec = record(helper.getNode("feed"));
    await until(() => rec.errors.length >= 1, 30_000, "the timeout");
    expect(rec.errors[0]).toMatch(/^feed: no answer from http:\/\/127\.0\.0\.1:\d+ within 1000 ms/);
  } finally {
    fake.server.closeAllConnections();
    fake.server.close();
  }
}, 60_000);
