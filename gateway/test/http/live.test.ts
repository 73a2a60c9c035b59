import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { systemClock } from "../../src/clock";
import { Http } from "../../src/http/server";
import { silentLogger } from "../../src/log";
import type { CommittedBatch } from "../../src/store/types";
import { up } from "../support/gateway-fixture";
import { waitFor } from "../support/wait";
import type { Api } from "./client";
import { MIN, T0, startEnv, type Env } from "./setup";

interface Msg {
  type: string;
  seq: number;
  cursor: string;
  items?: { sensor: string; value: number; seq: number; t: number }[];
  item?: { type: string; seq: number; rule?: string; to?: string };
  reason?: string;
}

let env: Env;
let op: Api;
let tuned: Http;

beforeAll(async () => {
  env = await startEnv();
  env.gw.store.addUser("op", "operator-pass-1", "operator");
  op = env.api();
  await op.login("op", "operator-pass-1");
  // A second server on the same gateway, with short heartbeats and a small send buffer.
  tuned = new Http(env.gw, { host: "127.0.0.1", port: 0, live: { heartbeatMs: 1000, maxBufferedBytes: 64 * 1024, throttleMs: 50 } }, systemClock, silentLogger);
  await tuned.start();
}, 60_000);
afterAll(async () => {
  await tuned?.stop();
  await env?.close();
});

class Client {
  msgs: Msg[] = [];
  closed: { code: number; reason: string } | null = null;
  constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => this.msgs.push(JSON.parse(d.toString()) as Msg));
    ws.on("close", (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }
  static open(port: number, cookie: string | null, query = "", opts: WebSocket.ClientOptions = {}): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live${query}`, { headers: cookie ? { cookie } : {}, ...opts });
    const c = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(c));
      ws.once("unexpected-response", (_req, res) => reject(new Error("HTTP " + res.statusCode)));
      ws.once("error", reject);
    });
  }
  async until(pred: (m: Msg[]) => boolean, what: string): Promise<void> {
    await waitFor(() => pred(this.msgs), what);
  }
  latest(sensor: string): number | undefined {
    let v: number | undefined;
    for (const m of this.msgs) for (const i of m.items ?? []) if (i.sensor === sensor) v = i.value;
    return v;
  }
}

it("refuses an upgrade without a session (401) or from another origin (403)", async () => {
  const port = env.gw.http.port;
  await expect(Client.open(port, null)).rejects.toThrow("HTTP 401");
  await expect(Client.open(port, "fg_session=" + "B".repeat(43))).rejects.toThrow("HTTP 401");
  await expect(Client.open(port, op.cookie, "", { origin: "http://evil.example" })).rejects.toThrow("HTTP 403");
  const plain = await op.get("/api/v1/live");
  expect(plain.status).toBe(426);
});

it("pushes coalesced readings and alert transitions with seq, and catches up after a reconnect with since", async () => {
  const port = env.gw.http.port;
  const a = await Client.open(port, op.cookie, "", { origin: `http://127.0.0.1:${port}` });
  await a.until((m) => m.some((x) => x.type === "hello"), "hello");
  const hello = a.msgs[0];
  expect(hello.seq).toBe(env.gw.store.lastFeedSeq());
  const n = await env.node();
  const readings = Array.from({ length: 8 }, (_, i) => ["lvl.distance", T0 + i * MIN, 0.6 + i / 1000, 0]);
  await n.publishUp(up("pit-1", 1, 1, readings));
  await n.waitAck(1, 1);
  await a.until((m) => m.some((x) => x.type === "alert") && a.latest("pit-1/lvl.distance") === 0.607, "alert and latest reading");
  const alert = a.msgs.find((x) => x.type === "alert")!;
  expect(alert.item).toMatchObject({ type: "alert", rule: "L1", to: "raised" });
  // Coalesced: one value per sensor per message, the latest by data time.
  for (const m of a.msgs.filter((x) => x.type === "readings")) expect(new Set(m.items!.map((i) => i.sensor)).size).toBe(m.items!.length);
  expect(a.msgs.filter((x) => x.type === "readings").reduce((k, m) => k + m.items!.length, 0)).toBeLessThan(8);
  const resume = a.msgs[a.msgs.length - 1];
  expect(resume.seq).toBe(env.gw.store.lastFeedSeq());
  a.ws.close();
  await waitFor(() => a.closed !== null, "close");

  // While the page is away: more readings and an acknowledgement.
  await n.publishUp(up("pit-1", 1, 2, [["lvl.distance", T0 + 9 * MIN, 0.65, 0], ["b.c", T0 + 9 * MIN, 7, 0]]));
  await n.waitAck(1, 2);
  const id = (await op.get("/api/v1/alerts")).body.alerts[0].id;
  expect((await op.post(`/api/v1/alerts/${id}/ack`, { note: "on it" })).status).toBe(200);

  const b = await Client.open(port, op.cookie, "?since=" + resume.cursor);
  await b.until((m) => m.some((x) => x.type === "alert" && x.item?.to === "acknowledged") && b.latest("pit-1/b.c") === 7, "replay");
  expect(b.latest("pit-1/lvl.distance")).toBe(0.65);
  expect(b.msgs.filter((x) => x.type === "alert" && x.item?.to === "raised")).toHaveLength(0);
  expect(b.msgs[b.msgs.length - 1].seq).toBe(env.gw.store.lastFeedSeq());
  // The same catch-up through the REST feed from the live cursor.
  const feed = await op.get(`/api/v1/feed?cursor=${resume.cursor}`);
  expect(feed.body.items.map((i: { seq: number }) => i.seq)[0]).toBe(resume.seq + 1);
  b.ws.close();
}, 60_000);

it("pushes a node's status once it is stored, with the same view as GET /api/v1/nodes", async () => {
  const c = await Client.open(env.gw.http.port, op.cookie);
  const n = await env.node("pit-2");
  const status = { v: 1, state: "online", fw: "1.4.0", buf: { ram: 2, flash: 30, dropped: 0 }, err: { timeouts: 4 }, dev: { lvl: { ok: 90, err: 10, off: 0 }, t: { ok: 0, err: 5, off: 1 } } };
  await n.client.publishAsync("manure/demo/node/pit-2/status", JSON.stringify(status), { qos: 1, retain: true });
  await c.until((m) => m.some((x) => x.type === "node"), "node status");
  const msg = c.msgs.find((x) => x.type === "node") as unknown as { node: string; status: unknown; view: Record<string, unknown> };
  expect(msg.node).toBe("pit-2");
  expect(msg.status).toEqual(status);
  expect(msg.view).toMatchObject({ id: "pit-2", online: true, fw: "1.4.0", bufferDepth: 32, errors: { timeouts: 4 }, modbus: { ok: 90, err: 15, errorRate: 0.1429, offline: ["t"] } });
  const rest = await op.get("/api/v1/nodes");
  expect(rest.body.nodes.find((x: { id: string }) => x.id === "pit-2")).toEqual(msg.view);
  c.ws.close();
});

it("sends a reset when the page is too far behind", async () => {
  const c = await Client.open(env.gw.http.port, op.cookie, "?since=0");
  await c.until((m) => m.some((x) => x.type === "readings" || x.type === "reset"), "replay from 0");
  expect(c.msgs.some((x) => x.type === "readings")).toBe(true);
  c.ws.close();
  const far = new Http(env.gw, { host: "127.0.0.1", port: 0, live: { replayMax: 2 } }, systemClock, silentLogger);
  await far.start();
  try {
    const d = await Client.open(far.port, op.cookie, "?since=0");
    await d.until((m) => m.some((x) => x.type === "reset"), "reset");
    expect(d.msgs.find((x) => x.type === "reset")!.reason).toMatch(/more than 2 entries/);
    d.ws.close();
  } finally {
    await far.stop();
  }
});

it("drops a client that does not answer pings", async () => {
  const c = await Client.open(tuned.port, op.cookie, "", { autoPong: false });
  await waitFor(() => c.closed !== null, "drop for missing pong", 20_000);
  expect(c.closed).toEqual({ code: 4009, reason: "no pong to the last ping" });
  const alive = await Client.open(tuned.port, op.cookie);
  let pings = 0;
  alive.ws.on("ping", () => pings++);
  // Several heartbeats later the answering client is still there.
  await waitFor(() => pings >= 4, "four pings answered");
  expect(alive.closed).toBeNull();
  alive.ws.close();
});

it("drops a client that does not read, with a reason, and keeps the others", async () => {
  const slow = await Client.open(tuned.port, op.cookie);
  const fast = await Client.open(tuned.port, op.cookie);
  await slow.until((m) => m.length > 0, "hello");
  (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const big = "x".repeat(16_000);
  let seq = env.gw.store.lastFeedSeq() + 1_000_000;
  // Synthetic commits on the real bus: alert transitions are sent at once, not coalesced.
  for (let i = 0; i < 2000 && tuned.liveClients > 1; i++) {
    const b: CommittedBatch = { readings: [], events: [], ledger: [], acks: [], messages: 0, duplicates: 0, rejects: 0, statuses: 0, commitMs: 0,
      transitions: [{ rule: "X", subject: "s", facility: null, severity: "info", to: "raised", t: T0, seq: seq++, alertId: 1, from: null, message: big }] };
    env.gw.bus.emit("committed", b);
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await waitFor(() => tuned.liveClients === 1, "slow client dropped");
  const metrics = await op.get("/metrics");
  expect(metrics.text).toMatch(/gateway_live_dropped_total\{reason="slow"\} 1/);
  await fast.until((m) => m.filter((x) => x.type === "alert").length > 10, "fast client keeps receiving");
  expect(fast.closed).toBeNull();
  (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  await waitFor(() => slow.closed !== null, "slow sees the close", 20_000);
  expect([4008, 1006]).toContain(slow.closed!.code);
  fast.ws.close();
}, 60_000);
