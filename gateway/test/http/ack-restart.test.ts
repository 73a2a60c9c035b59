import { afterEach, expect, it } from "vitest";
import Database from "better-sqlite3";
import WebSocket from "ws";
import { dbPath, startGateway, TestNode, up } from "../support/gateway-fixture";
import { waitFor } from "../support/wait";
import { createEngineSink } from "../../src/rules/sink";
import type { Gateway } from "../../src/gateway";
import { Api } from "./client";
import { FACILITIES, MIN, T0, startEnv, type Env } from "./setup";

/**
 * An operator's acknowledgement goes through one path (Gateway.acknowledgeAlert →
 * Store.acknowledgeAlert → BatchWriter.acknowledge): the transition and the rules engine's
 * state after it are committed together, announced on the live socket and in the feed, and
 * survive a restart, after which the alert clears as usual.
 */
let env: Env | null = null;
let gw2: Gateway | null = null;
afterEach(async () => {
  await gw2?.stop();
  gw2 = null;
  await env?.close();
  env = null;
});

interface LiveMsg {
  type: string;
  item?: { type: string; alertId: number; from: string | null; to: string; by: string | null; note: string | null; params: Record<string, unknown> | null };
}

/** The L1 alert's state in the rules engine's snapshot as stored (rules_state row "alerts"). */
function engineL1(db: string): { state: string } | undefined {
  const d = new Database(db, { readonly: true });
  try {
    const row = d.prepare("SELECT state FROM rules_state WHERE facility = 'alerts'").get() as { state: string } | undefined;
    const book = row ? (JSON.parse(row.state) as { open: Record<string, { state: string }> }) : { open: {} };
    const a = book.open["L1|store:pit1"];
    return a ? { state: a.state } : undefined;
  } finally {
    d.close();
  }
}

it("stores an acknowledgement with the engine's state, announces it, keeps it across a restart, and the alert later clears", async () => {
  env = await startEnv();
  env.gw.store.addUser("op", "operator-pass-1", "operator");
  const op = env.api();
  await op.login("op", "operator-pass-1");
  const n: TestNode = await env.node();
  // Freeboard 0.1 m < 0.3 m: L1 critical.
  await n.publishUp(up("pit-1", 1, 1, [0, 1, 2, 3, 4, 5].map((i) => ["lvl.distance", T0 + i * MIN, 0.6, 0])));
  await n.waitAck(1, 1);
  const alert = (await op.get("/api/v1/alerts")).body.alerts.find((a: { rule: string }) => a.rule === "L1");
  expect(alert).toMatchObject({ state: "raised" });
  expect(engineL1(dbPath(env.dir))).toEqual({ state: "raised" });

  const ws = new WebSocket(`ws://127.0.0.1:${env.gw.http.port}/api/v1/live`, { headers: { cookie: op.cookie! } });
  const live: LiveMsg[] = [];
  ws.on("message", (d) => live.push(JSON.parse(d.toString()) as LiveMsg));
  await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
  try {
    const ack = await op.post(`/api/v1/alerts/${alert.id}/ack`, { note: "pump-out booked" });
    expect(ack.status).toBe(200);
    expect(ack.body.transition).toMatchObject({ from: "raised", to: "acknowledged", by: "op", note: "pump-out booked", params: alert.params });
    // Live, at once.
    await waitFor(() => live.some((m) => m.type === "alert" && m.item?.to === "acknowledged"), "the live ack");
    expect(live.find((m) => m.type === "alert" && m.item?.to === "acknowledged")!.item).toMatchObject({ alertId: alert.id, by: "op", params: alert.params });
  } finally {
    ws.close();
  }
  // The engine's snapshot in the database already says acknowledged: it was saved in the
  // acknowledgement's transaction, not with some later commit (none happened since).
  expect(engineL1(dbPath(env.dir))).toEqual({ state: "acknowledged" });
  expect(env.sink.state().alerts.find((a) => a.rule === "L1")).toMatchObject({ state: "acknowledged" });
  // In the feed, after the raise, with its own seq.
  const feed = (await op.get("/api/v1/feed?limit=10000")).body.items.filter((x: { type: string }) => x.type === "alert");
  expect(feed.map((x: { to: string }) => x.to)).toEqual(["raised", "acknowledged"]);
  expect(feed[1].seq).toBeGreaterThan(feed[0].seq);

  // Restart on the same database with a fresh engine: both sides still say acknowledged.
  await env.gw.stop();
  const sink2 = createEngineSink(FACILITIES);
  gw2 = await startGateway(env.dir, { http: { host: "127.0.0.1", port: 0 }, facilities: FACILITIES }, undefined, sink2);
  env.gw = gw2;
  expect(sink2.state().alerts.find((a) => a.rule === "L1")).toMatchObject({ state: "acknowledged" });
  const api2 = new Api(`http://127.0.0.1:${gw2.http.port}`);
  await api2.login("op", "operator-pass-1");
  expect((await api2.get(`/api/v1/alerts/${alert.id}`)).body.alert).toMatchObject({ state: "acknowledged", ackNote: "pump-out booked", ackBy: "op" });
  // A second acknowledgement is refused by the store and the engine alike.
  expect((await api2.post(`/api/v1/alerts/${alert.id}/ack`, { note: "again" })).status).toBe(409);

  // The level falls back (freeboard 1.0 m) for longer than the clear hold (60 min): cleared,
  // from acknowledged, by the engine that learnt of the ack before the restart.
  const n2 = await TestNode.connect(gw2.mqttPort, "pit-1", "pw-pit-1");
  try {
    await n2.publishUp(up("pit-1", 1, 2, Array.from({ length: 20 }, (_, i) => ["lvl.distance", T0 + (10 + i * 6) * MIN, 1.5, 0])));
    await n2.waitAck(1, 2);
  } finally {
    await n2.end();
  }
  const hist = (await api2.get(`/api/v1/alerts/${alert.id}`)).body;
  expect(hist.alert.state).toBe("cleared");
  expect(hist.transitions.map((x: { from: string | null; to: string }) => [x.from, x.to])).toEqual([[null, "raised"], ["raised", "acknowledged"], ["acknowledged", "cleared"]]);
  expect(sink2.state().alerts.find((a) => a.rule === "L1")).toBeUndefined();
}, 120_000);
