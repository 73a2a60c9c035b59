import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launch, shot, type Browser } from "./support/browser";
import { startPanelEnv, type PanelEnv } from "./support/panel-env";

/**
 * The nodes view's command buttons in Debian's chromium against a real gateway: an operator
 * pings pit-1, which answers (ok shown without a reload); a resend to pit-2, which never
 * answers, stays "sent"; a viewer gets no buttons. Waits are on conditions, never sleeps.
 */
const LONG = 120_000;
let env: PanelEnv;
let browser: Browser;
const answers: Promise<unknown>[] = [];

beforeAll(async () => {
  env = await startPanelEnv({ history: false });
  await env.status("pit-1", { state: "online", fw: "0.3.1" });
  await env.status("pit-2", { state: "online", fw: "0.3.1" });
  // pit-1 answers every command it gets; pit-2 listens and stays silent.
  const c = env.pit1.client;
  c.on("message", (topic, p) => {
    if (!topic.endsWith("/cmd")) return;
    const m = JSON.parse(p.toString()) as { id: string };
    // Awaited in afterAll: an answer ended before its PUBACK would reject unhandled.
    answers.push(c.publishAsync("manure/demo/node/pit-1/cmd/res", JSON.stringify({ v: 1, id: m.id, ok: true, t: env.clock.now() }), { qos: 1 }));
  });
  await c.subscribeAsync("manure/demo/node/pit-1/cmd", { qos: 1 });
  await env.pit2.client.subscribeAsync("manure/demo/node/pit-2/cmd", { qos: 1 });
  browser = await launch();
}, LONG);

afterAll(async () => {
  await Promise.all(answers);
  await browser?.close();
  await env?.close();
});

async function login(p: Page, user: string, password: string): Promise<void> {
  await p.goto(env.base + "/#/");
  await p.locator("#login-user").fill(user);
  await p.locator("#login-pass").fill(password);
  await p.locator("form[data-testid=login-form] button[type=submit]").click();
  await p.locator("[data-testid=overview]").waitFor();
}

it("an operator pings a node and sees the answer; a command to a silent node stays waiting", async () => {
  const page = await browser.page();
  await login(page, "op", "operator-pass-1");
  await page.goto(env.base + "/#/nodes");
  const pit1 = page.locator("[data-testid=cmds-pit-1]");
  await pit1.locator("[data-testid=cmd-ping]").click();
  const row = pit1.locator("[data-testid=cmd-row-ping]").first();
  await expect.poll(() => row.getAttribute("data-state"), { timeout: 30_000 }).toBe("ok");
  expect(await row.innerText()).toMatch(/连通测试\s+成功\s+op/);
  expect(env.gw.commands.list("pit-1", 10).map((c) => [c.op, c.state, c.createdBy])).toEqual([["ping", "ok", "op"]]);

  const pit2 = page.locator("[data-testid=cmds-pit-2]");
  await pit2.locator("[data-testid=cmd-resend]").click();
  const r2 = pit2.locator("[data-testid=cmd-row-resend]").first();
  await expect.poll(() => r2.getAttribute("data-state"), { timeout: 30_000 }).toBe("sent");
  expect(await r2.innerText()).toContain("已发送，等待回复");
  await shot(page, "node-commands-zh");
  await page.close();
}, LONG);

it("a viewer sees the commands but no buttons", async () => {
  const b = await launch();
  try {
    const page = await b.page();
    await login(page, "view", "viewer-pass-1");
    await page.goto(env.base + "/#/nodes");
    const pit1 = page.locator("[data-testid=cmds-pit-1]");
    await expect.poll(() => pit1.locator("[data-testid=cmd-row-ping]").count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator("[data-testid=cmd-ping]").count()).toBe(0);
    expect(await page.locator("[data-testid=cmd-resend]").count()).toBe(0);
  } finally {
    await b.close();
  }
}, LONG);
