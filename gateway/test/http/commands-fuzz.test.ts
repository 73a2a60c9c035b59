import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { validateNodeConfig, type NodeConfig } from "@manure-edge/protocol";
import { startEnv, type Env } from "./setup";
import type { Api } from "./client";
import type { TestNode } from "../support/gateway-fixture";
import { waitFor } from "../support/wait";

/**
 * POST /api/v1/nodes/{node}/commands with random and mutated bodies, as an admin: every answer
 * is 202 or a 4xx with a reason (never a 5xx), every configuration accepted is one protocol's
 * validator accepts for that node and that keeps the node's broker login, and exactly the accepted commands reach the node.
 */
let env: Env;
let admin: Api;
let node: TestNode;
const received: { id: string; op: string; cfg?: NodeConfig }[] = [];

const GOOD: NodeConfig = {
  node: "pit-1", farm: "demo", mqtt: { host: "192.168.1.10", port: 1883, user: "pit-1", pass: "pw-pit-1", keepalive: 60 },
  net: { type: "wifi", ssid: "farm", pass: "wifi-pass-1" },
  bus: { serial: "Serial2", baud: 9600, parity: "none", stop: 1, rx: "D16", tx: "D17", de: "D4", timeout: 200, retries: 2 },
  devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 60 }],
};

const answers: Promise<unknown>[] = [];

beforeAll(async () => {
  env = await startEnv();
  env.gw.store.addUser("admin", "admin-pass-1", "admin");
  admin = env.api();
  expect((await admin.login("admin", "admin-pass-1")).status).toBe(200);
  node = await env.node("pit-1");
  // The node answers every command at once, so the open limit is rarely reached.
  node.client.on("message", (topic, p) => {
    if (!topic.endsWith("/cmd")) return;
    const m = JSON.parse(p.toString()) as { id: string; op: string; cfg?: NodeConfig };
    received.push(m);
    // Kept and awaited before the node disconnects: an answer still waiting for its PUBACK when
    // the client is ended rejects ("Connection closed"), which must not go unhandled.
    answers.push(node.client.publishAsync("manure/demo/node/pit-1/cmd/res", JSON.stringify({ v: 1, id: m.id, ok: true, t: Date.now() }), { qos: 1 }));
  });
  await node.client.subscribeAsync("manure/demo/node/pit-1/cmd", { qos: 1 });
}, 60_000);
afterAll(async () => {
  await Promise.all(answers);
  await env?.close();
});

/** A value anywhere in the configuration replaced by something random (or a key dropped or added). */
function mutate(cfg: unknown, path: (string | number)[], value: unknown, drop: boolean): unknown {
  const copy = JSON.parse(JSON.stringify(cfg)) as Record<string, unknown>;
  let o: Record<string | number, unknown> = copy;
  for (let i = 0; i < path.length - 1; i++) {
    const next = o[path[i]];
    if (next === null || typeof next !== "object") return copy;
    o = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (drop) delete o[last];
  else o[last] = value;
  return copy;
}

const PATHS: (string | number)[][] = [
  ["node"], ["farm"], ["base"], ["mqtt"], ["mqtt", "host"], ["mqtt", "port"], ["mqtt", "keepalive"], ["mqtt", "pass"], ["net", "type"], ["net", "pass"],
  ["bus", "baud"], ["bus", "parity"], ["bus", "timeout"], ["devices"], ["devices", 0], ["devices", 0, "every"], ["devices", 0, "map"], ["devices", 0, "unit"],
  ["devices", 0, "id"], ["devices", 0, "fast"], ["gps"], ["extra"],
];
const anyValue = fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.double(), fc.string({ maxLength: 40 }), fc.constantFrom(null, true, [], {}, 0, 1, 60, "pit-1", "pit-2", "demo", "ultrasonic-level", "no-map", "none", "wifi"), fc.jsonValue({ maxDepth: 2 }));

it("answers 202 or a 4xx with a reason; accepts only valid configurations for the node; sends exactly what it accepted", async () => {
  let accepted = 0;
  const bodies = fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.record({ op: fc.oneof(fc.constantFrom("ping", "resend", "config", "reboot", "PING", ""), fc.string({ maxLength: 10 }), fc.integer()), cfg: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }) }, { requiredKeys: [] }) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...PATHS), anyValue, fc.boolean()).map(([p, v, drop]) => ({ op: "config", cfg: mutate(GOOD, p, v, drop) })) },
  );
  await fc.assert(
    fc.asyncProperty(bodies, async (body) => {
      const r = await admin.post("/api/v1/nodes/pit-1/commands", body === undefined ? "null" : body);
      if (r.status === 202) {
        accepted++;
        const b = body as { op: string; cfg?: unknown };
        if (b.op === "config") {
          const v = validateNodeConfig(b.cfg);
          expect(v.ok && v.value.node === "pit-1" && v.value.farm === "demo").toBe(true);
          // ...and one the node can still log in with (its id and password on the embedded broker).
          expect(v.ok && [v.value.mqtt.user, v.value.mqtt.pass]).toEqual(["pit-1", "pw-pit-1"]);
        } else {
          expect(["ping", "resend", "reboot"]).toContain(b.op);
        }
        return;
      }
      expect([r.status, typeof r.body?.reason]).toEqual([expect.any(Number), "string"]);
      expect(r.status >= 400 && r.status < 500).toBe(true);
      // A refused body names its field first (op:, cfg..., or the body itself).
      if (r.status === 400) expect(r.body.reason).toMatch(/^(op|cfg|body|request body)/);
    }),
    { numRuns: 600, seed: 20261123 },
  );
  expect(accepted).toBeGreaterThan(20);
  // Exactly the accepted commands reached the node, each with the real (unredacted) secrets.
  await waitFor(() => received.length === accepted, `${accepted} commands at the node`, 60_000);
  const stored = env.gw.commands.list("pit-1", 500);
  expect(stored.length).toBe(accepted);
  expect(new Set(received.map((m) => m.id))).toEqual(new Set(stored.map((c) => c.id)));
  for (const m of received) if (m.op === "config" && m.cfg?.mqtt.pass !== undefined) expect(m.cfg.mqtt.pass).not.toBe("(redacted)");
}, 300_000);
