import { afterAll, beforeAll, expect, it } from "vitest";
import { Http } from "../../src/http/server";
import { silentLogger } from "../../src/log";
import { systemClock } from "../../src/clock";
import { ManualClock } from "../support/manual-clock";
import { waitFor } from "../support/wait";
import { Api } from "./client";
import { startEnv, type Env } from "./setup";

let env: Env;
beforeAll(async () => {
  env = await startEnv();
  env.gw.store.addUser("op", "operator-pass-1", "operator");
}, 60_000);
afterAll(async () => {
  await env?.close();
});

it("expires sessions after their lifetime (on the injected clock)", async () => {
  const clock = new ManualClock(Date.now());
  const http = new Http(env.gw, { host: "127.0.0.1", port: 0, sessionTtlMs: 60_000 }, clock, silentLogger);
  await http.start();
  try {
    const a = new Api(`http://127.0.0.1:${http.port}`);
    expect((await a.login("op", "operator-pass-1")).headers.get("set-cookie")).toMatch(/Max-Age=60(;|$)/);
    expect((await a.get("/api/v1/me")).status).toBe(200);
    clock.advance(59_999);
    expect((await a.get("/api/v1/me")).status).toBe(200);
    clock.advance(1);
    const r = await a.get("/api/v1/me");
    expect(r.status).toBe(401);
    expect(r.body.reason).toMatch(/expired/);
  } finally {
    await http.stop();
  }
});

it("while the disk is full: health says why (503), an event is queued (202) and committed once space returns", async () => {
  const http = new Http(env.gw, { host: "127.0.0.1", port: 0, commitWaitMs: 300 }, systemClock, silentLogger);
  await http.start();
  const a = new Api(`http://127.0.0.1:${http.port}`);
  await a.login("op", "operator-pass-1");
  const store = env.gw.store;
  const pages = store.diskUse().pageCount;
  try {
    store.setMaxPageCount(pages);
    // Fill the free pages so that the next commit needs a new page.
    let filler = 0;
    for (const size of [2000, 200, 20, 1]) {
      try {
        for (;;) store.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run("fill" + filler++, "x".repeat(size));
      } catch (e) {
        expect((e as { code?: string }).code).toBe("SQLITE_FULL");
      }
    }
    const r = await a.post("/api/v1/events", { facility: "pit1", type: "turning", note: "during disk full" });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ queued: true });
    await waitFor(() => !env.gw.health().store.ok, "store failed state");
    const h = await a.get("/api/v1/health");
    expect(h.status).toBe(503);
    expect(h.body.store.reason).toMatch(/SQLITE_FULL/);
    // Reads still work while writes cannot commit.
    expect((await a.get("/api/v1/alerts")).status).toBe(200);
  } finally {
    store.setMaxPageCount(1_000_000_000);
  }
  await waitFor(() => env.gw.health().store.ok, "store recovered", 30_000);
  const list = await a.get("/api/v1/events?facility=pit1");
  expect(list.body.events.filter((e: { data: { note?: string } }) => e.data.note === "during disk full")).toHaveLength(1);
  expect((await a.get("/api/v1/health")).status).toBe(200);
  await http.stop();
}, 60_000);
