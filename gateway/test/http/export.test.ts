import { get } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { up } from "../support/gateway-fixture";
import { waitFor } from "../support/wait";
import { T0, startEnv, type Env } from "./setup";

let env: Env;
beforeAll(async () => {
  env = await startEnv();
}, 60_000);
afterAll(async () => {
  await env?.close();
});

it("streams a large export to a client that stops reading, while ingest keeps committing and acking", async () => {
  const n = await env.node();
  const PER = 500;
  const MSGS = 120;
  for (let s = 1; s <= MSGS; s++) {
    const r = [];
    for (let i = 0; i < PER; i++) r.push([`e${i % 20}.v`, T0 + (s * PER + i) * 1000, i, 0]);
    void n.publishUp(up("pit-1", 1, s, r));
  }
  await n.waitAck(1, MSGS);
  const to = T0 + (MSGS + 1) * PER * 1000;
  const { token } = env.gw.store.addToken("county");

  let bytes = 0;
  let lines = 0;
  let paused = false;
  let ended = false;
  const res = await new Promise<import("node:http").IncomingMessage>((resolve) =>
    get(`${env.base}/api/v1/export?from=${T0}&to=${to}&format=ndjson`, { headers: { authorization: "Bearer " + token } }, resolve),
  );
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^application\/x-ndjson/);
  let tail = "";
  res.on("data", (c: Buffer) => {
    bytes += c.length;
    const text = tail + c.toString("utf8");
    const parts = text.split("\n");
    tail = parts.pop() ?? "";
    lines += parts.length;
    if (!paused && bytes > 200_000) {
      paused = true;
      res.pause();
    }
  });
  res.on("end", () => (ended = true));
  await waitFor(() => paused, "client paused mid-export");

  // The export waits on the paused client; ingest must not wait on the export.
  for (let s = MSGS + 1; s <= MSGS + 20; s++) void n.publishUp(up("pit-1", 1, s, [["late.v", to + s * 1000, s, 0]]));
  await n.waitAck(1, MSGS + 20);
  expect(ended).toBe(false);
  expect(env.gw.health().store.ok).toBe(true);

  res.resume();
  await waitFor(() => ended, "export finished", 60_000);
  expect(tail).toBe("");
  expect(lines).toBe(MSGS * PER);
}, 120_000);
