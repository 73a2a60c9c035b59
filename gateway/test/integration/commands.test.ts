/**
 * Commands to nodes on a gateway whose clock the test moves (expiry), with MQTT clients as
 * nodes that answer only when the test says so: expiry, late, duplicate, unknown-id and
 * wrong-node results, refusals at the API, a restart with commands still open, the open limit.
 * Real parts: the gateway's own start path, embedded aedes, SQLite in a temp dir, HTTP.
 */
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../test/support/tmp";
import { startGateway, TestNode } from "../support/gateway-fixture";
import { ManualClock } from "../support/manual-clock";
import { waitFor } from "../support/wait";
import { Api } from "../http/client";
import type { Gateway } from "../../src/gateway";
import { MAX_OPEN_PER_NODE } from "../../src/features/commands";

const T0 = Date.UTC(2026, 3, 1);
const MIN = 60_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A node that receives its commands and answers only when told to. */
class QuietNode {
  cmds: { id: string; op: string; cfg?: unknown; exp?: number }[] = [];
  constructor(readonly n: TestNode) {
    n.client.on("message", (t, p) => {
      if (t.endsWith("/cmd")) this.cmds.push(JSON.parse(p.toString()) as { id: string; op: string });
    });
  }
  static async connect(port: number, node: string): Promise<QuietNode> {
    const n = await TestNode.connect(port, node, "pw-" + node);
    const q = new QuietNode(n);
    await n.client.subscribeAsync(`manure/demo/node/${node}/cmd`, { qos: 1 });
    return q;
  }
  answer(id: string, ok: boolean, t: number, err?: string): Promise<unknown> {
    const r: Record<string, unknown> = { v: 1, id, ok, t };
    if (err !== undefined) r.err = err;
    return this.n.client.publishAsync(`manure/demo/node/${this.n.node}/cmd/res`, JSON.stringify(r), { qos: 1 });
  }
}

async function setup(dir?: string, clock = new ManualClock(T0)) {
  const tmp = dir ? null : tempDir("cmd-");
  const gw: Gateway = await startGateway(dir ?? tmp!.dir, {}, clock);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await gw.stop();
  };
  cleanups.push(() => tmp?.cleanup());
  cleanups.push(stop);
  if (!dir) {
    gw.store.addUser("admin", "admin-pass-1", "admin");
    gw.store.addUser("op", "operator-pass-1", "operator");
    gw.store.addUser("view", "viewer-pass-1", "viewer");
  }
  const base = `http://127.0.0.1:${gw.http.port}`;
  const login = async (u: string, p: string) => {
    const a = new Api(base);
    expect((await a.login(u, p)).status).toBe(200);
    return a;
  };
  const nodes: QuietNode[] = [];
  cleanups.push(async () => {
    for (const n of nodes) await n.n.end();
  });
  return {
    gw, clock, dir: dir ?? tmp!.dir, stop,
    admin: await login("admin", "admin-pass-1"),
    op: await login("op", "operator-pass-1"),
    view: await login("view", "viewer-pass-1"),
    node: async (id: string) => {
      const n = await QuietNode.connect(gw.mqttPort, id);
      nodes.push(n);
      return n;
    },
    state: (id: string) => gw.commands.get(id)?.state,
    metric: (name: string, labels: Record<string, string> = {}) => gw.metrics.value(name, labels) ?? 0,
  };
}

describe("commands: expiry, results and refusals", () => {
  it("the timeout comes from the configuration file (commands.timeoutS): the node's deadline and the expiry follow it", async () => {
    const t = tempDir("cmd-cfg-");
    cleanups.push(() => t.cleanup());
    const clock = new ManualClock(T0);
    const gw = await startGateway(t.dir, { commands: { timeoutS: 90 } }, clock);
    cleanups.push(() => gw.stop());
    gw.store.addUser("op", "operator-pass-1", "operator");
    const api = new Api(`http://127.0.0.1:${gw.http.port}`);
    expect((await api.login("op", "operator-pass-1")).status).toBe(200);
    const n = await QuietNode.connect(gw.mqttPort, "pit-1");
    cleanups.push(() => n.n.end());
    const id: string = (await api.post("/api/v1/nodes/pit-1/commands", { op: "ping" })).body.command.id;
    await waitFor(() => n.cmds.length === 1, "the node receiving the command");
    expect(n.cmds[0].exp).toBe(T0 + 90_000);
    clock.advance(90_000 - 1);
    expect(gw.commands.get(id)?.state).toBe("sent");
    clock.advance(1);
    expect(gw.commands.get(id)?.state).toBe("expired");
  }, 120_000);

  it("a node that never answers: the command expires after 10 minutes of the gateway's clock; a late result is still recorded", async () => {
    const s = await setup();
    const n = await s.node("pit-2");
    const r = await s.op.post("/api/v1/nodes/pit-2/commands", { op: "ping" });
    expect(r.status).toBe(202);
    const id: string = r.body.command.id;
    expect(r.body.command).toMatchObject({ state: "sent", createdAt: T0, sentAt: T0, createdBy: "op", resultAt: null });
    await waitFor(() => n.cmds.length === 1, "the node receiving the command");
    // With its deadline on the gateway's clock (protocol CommandMessage.exp).
    expect(n.cmds[0]).toEqual({ v: 1, id, op: "ping", exp: T0 + 10 * MIN });

    s.clock.advance(10 * MIN - 1);
    expect(s.state(id)).toBe("sent");
    s.clock.advance(1);
    const expired = (await s.op.get(`/api/v1/commands/${id}`)).body.command;
    expect(expired).toMatchObject({ state: "expired", resultAt: T0 + 10 * MIN, err: "no result within 600 s", resultT: null });
    expect(s.metric("gateway_commands_expired_total", { op: "ping" })).toBe(1);
    expect(s.metric("gateway_commands_open", { node: "pit-2" })).toBe(0);

    // The node was only slow: its answer, after the expiry, is still what happened.
    s.clock.advance(MIN);
    await n.answer(id, true, T0 + 11 * MIN - 5);
    await waitFor(() => s.state(id) === "ok", "the late result");
    expect(s.gw.commands.get(id)).toMatchObject({ state: "ok", resultAt: T0 + 11 * MIN, resultT: T0 + 11 * MIN - 5, err: null });
    expect(s.metric("gateway_command_results_total", { op: "ping", outcome: "late_ok" })).toBe(1);

    // A node whose synchronised clock is past exp does not run it and says so: it stays expired.
    const r2 = await s.op.post("/api/v1/nodes/pit-2/commands", { op: "resend" });
    const id2: string = r2.body.command.id;
    await waitFor(() => n.cmds.length === 2, "the second command");
    expect(n.cmds[1].exp).toBe(T0 + 11 * MIN + 10 * MIN);
    s.clock.advance(10 * MIN);
    expect(s.state(id2)).toBe("expired");
    await n.answer(id2, false, T0 + 21 * MIN + 1, "expired");
    await waitFor(() => s.gw.commands.get(id2)?.resultT === T0 + 21 * MIN + 1, "the node's not-run answer");
    expect(s.gw.commands.get(id2)).toMatchObject({ state: "expired", err: "the node got it after its deadline and did not run it" });
    expect(s.metric("gateway_command_results_total", { op: "resend", outcome: "not_run" })).toBe(1);
  }, 120_000);

  it("results are idempotent; results for unknown ids or another node's command are rejects with a reason, and change nothing", async () => {
    const s = await setup();
    const n2 = await s.node("pit-2");
    const n1 = await s.node("pit-1");
    const id: string = (await s.op.post("/api/v1/nodes/pit-2/commands", { op: "resend" })).body.command.id;
    await waitFor(() => n2.cmds.length === 1, "the command at pit-2");
    expect(n1.cmds).toEqual([]); // a node gets only its own commands

    // Another node answering pit-2's command: refused, pit-2's command unchanged.
    await n1.answer(id, true, T0);
    await waitFor(() => s.metric("gateway_rejects_total", { reason: "cmd_res_wrong_node" }) === 1, "the wrong-node reject");
    expect(s.state(id)).toBe("sent");

    await n2.answer(id, false, T0 + 1, "flash busy");
    await waitFor(() => s.state(id) === "failed", "the result");
    // Delivered again (QoS 1 redelivery) or a different answer for the same id: the first result stays.
    await n2.answer(id, false, T0 + 2, "flash busy");
    await n2.answer(id, true, T0 + 3);
    await waitFor(() => s.metric("gateway_command_results_total", { op: "resend", outcome: "duplicate" }) === 2, "two duplicates counted");
    expect(s.gw.commands.get(id)).toMatchObject({ state: "failed", err: "flash busy", resultT: T0 + 1 });
    expect(s.metric("gateway_command_results_total", { op: "resend", outcome: "failed" })).toBe(1);

    await n2.answer("cmd-nobody-sent-this", true, T0);
    await waitFor(() => s.metric("gateway_rejects_total", { reason: "cmd_res_unknown_id" }) === 1, "the unknown-id reject");
    expect(s.gw.commands.get("cmd-nobody-sent-this")).toBeNull();
    // Into the reject log (committed with the next group commit on the gateway's clock).
    s.clock.advance(10);
    const rejects = (await s.admin.get("/api/v1/rejects")).body;
    expect(rejects.counts).toEqual(
      expect.arrayContaining([
        { reason: "cmd/res.id: no command with this id was sent", count: 1 },
        { reason: "cmd/res.id: the command was sent to another node", count: 1 },
      ]),
    );
    const unknown = rejects.recent.find((x: { reason: string }) => x.reason.startsWith("cmd/res.id: no command"));
    expect(unknown).toMatchObject({ node: "pit-2", topic: "manure/demo/node/pit-2/cmd/res" });
    expect(JSON.parse(unknown.payload).id).toBe("cmd-nobody-sent-this");
  }, 120_000);

  it("refuses at the API, storing and sending nothing: unknown node, bad op, bad body, wrong role", async () => {
    const s = await setup();
    const n = await s.node("pit-1");
    // The row the direct poller writes for the gateway's own readings (node id = gateway id).
    s.gw.store.db.prepare("INSERT INTO nodes (id, first_seen, last_seen) VALUES ('gw1', ?, ?)").run(T0, T0);
    const post = (api: Api, body: unknown, node = "pit-1") => api.post(`/api/v1/nodes/${node}/commands`, body);
    const cfg = { node: "pit-1", farm: "demo", mqtt: { host: "10.0.0.1", port: 1883, user: "pit-1", pass: "pw-pit-1" }, bus: { serial: "Serial2", baud: 9600 }, devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 60 }] };
    const cases: [Api, unknown, string, number, RegExp][] = [
      [s.admin, { op: "ping" }, "pit-9", 404, /no node "pit-9"/],
      // The gateway's own id (its direct poller's readings) is no node.
      [s.admin, { op: "ping" }, "gw1", 404, /no node "gw1"/],
      [s.admin, { op: "format" }, "pit-1", 400, /^op: must be one of ping, resend, reboot, config, got "format"$/],
      [s.admin, {}, "pit-1", 400, /^op: /],
      [s.admin, { op: "ping", cfg: {} }, "pit-1", 400, /^cfg: only op "config" carries a configuration$/],
      [s.admin, { op: "config" }, "pit-1", 400, /^cfg: op "config" needs/],
      [s.admin, { op: "config", cfg: "x" }, "pit-1", 400, /^cfg/],
      [s.admin, { op: "ping", when: 1 }, "pit-1", 400, /^body: unknown field "when"/],
      [s.admin, { op: "config", cfg: { node: "pit-1", farm: "other", mqtt: { host: "h", port: 1883 }, devices: [] } }, "pit-1", 400, /^cfg\.farm: must be this gateway's farm "demo"/],
      // A configuration the node could not log in again with would cut it off for good.
      [s.admin, { op: "config", cfg: { ...cfg, mqtt: { ...cfg.mqtt, user: "pit-2" } } }, "pit-1", 400, /^cfg\.mqtt\.user: must be "pit-1"/],
      [s.admin, { op: "config", cfg: { ...cfg, mqtt: { ...cfg.mqtt, pass: "wrong-pass" } } }, "pit-1", 400, /^cfg\.mqtt\.pass: is not the node's password/],
      [s.admin, { op: "config", cfg: { ...cfg, mqtt: { host: "10.0.0.1", port: 1883, user: "pit-1" } } }, "pit-1", 400, /^cfg\.mqtt\.pass: /],
      [s.admin, { op: "config", cfg: { ...cfg, mqtt: { ...cfg.mqtt, pass: "(redacted)" } } }, "pit-1", 400, /^cfg\.mqtt\.pass: is the placeholder/],
      [s.op, { op: "config", cfg }, "pit-1", 403, /needs admin/],
      [s.op, { op: "reboot" }, "pit-1", 403, /needs admin/],
      [s.view, { op: "ping" }, "pit-1", 403, /needs operator/],
    ];
    for (const [api, body, node, status, reason] of cases) {
      const r = await post(api, body, node);
      expect([body, r.status, r.body.error]).toEqual([body, status, expect.any(String)]);
      expect(r.body.reason).toMatch(reason);
    }
    // A write without the CSRF header is refused like every other write.
    const noCsrf = await s.admin.req("POST", "/api/v1/nodes/pit-1/commands", { op: "ping" }, { "x-csrf-token": "" });
    expect(noCsrf.status).toBe(403);
    expect((await s.admin.get("/api/v1/nodes/pit-9/commands")).status).toBe(404);
    expect((await s.admin.get("/api/v1/commands/cmd-none")).status).toBe(404);
    expect((await s.admin.get("/api/v1/nodes/pit-1/commands")).body.commands).toEqual([]);
    expect(s.metric("gateway_commands_sent_total", { op: "ping" })).toBe(0);
    // Accepted commands do reach the node: the refusals above were not lost in transit.
    expect((await post(s.op, { op: "ping" })).status).toBe(202);
    expect((await post(s.admin, { op: "config", cfg })).status).toBe(202);
    await waitFor(() => n.cmds.length === 2, "the accepted ping and config");
    expect(n.cmds.map((c) => c.op)).toEqual(["ping", "config"]);
    expect(n.cmds[1].cfg).toEqual(cfg);
    expect(s.metric("gateway_commands_refused_total", { reason: "invalid" })).toBe(10);
  }, 120_000);

  it("newest first with a limit; at most 20 open per node (429); open commands survive a restart and still expire on time", async () => {
    const clock = new ManualClock(T0);
    const s = await setup(undefined, clock);
    await s.node("pit-1");
    const ids: string[] = [];
    for (let i = 0; i < MAX_OPEN_PER_NODE; i++) {
      const r = await s.op.post("/api/v1/nodes/pit-1/commands", { op: "ping" });
      expect(r.status).toBe(202);
      ids.push(r.body.command.id);
      clock.advance(1000);
    }
    const over = await s.op.post("/api/v1/nodes/pit-1/commands", { op: "ping" });
    expect(over.status).toBe(429);
    expect(over.body.error).toBe("too_many_commands");
    const page = (await s.op.get("/api/v1/nodes/pit-1/commands?limit=3")).body.commands.map((c: { id: string }) => c.id);
    expect(page).toEqual(ids.slice(-3).reverse());
    expect((await s.op.get("/api/v1/nodes/pit-1/commands?limit=0")).status).toBe(400);

    // Restart 5 minutes after the first command: the first expires 10 minutes after it was made.
    clock.advance(5 * MIN - 20_000);
    await s.stop();
    const s2 = await setup(s.dir, clock);
    expect(s2.gw.commands.get(ids[0])!.state).toBe("sent");
    clock.advance(5 * MIN - 1);
    expect(s2.gw.commands.get(ids[0])!.state).toBe("sent");
    clock.advance(1);
    expect(s2.gw.commands.get(ids[0])).toMatchObject({ state: "expired", resultAt: T0 + 10 * MIN });
    expect(s2.gw.commands.get(ids[1])!.state).toBe("sent");
    clock.advance(MAX_OPEN_PER_NODE * 1000);
    expect(s2.gw.commands.list("pit-1", 100).map((c) => c.state)).toEqual(new Array(MAX_OPEN_PER_NODE).fill("expired"));
    expect((await s2.op.post("/api/v1/nodes/pit-1/commands", { op: "ping" })).status).toBe(202);
  }, 120_000);
});
