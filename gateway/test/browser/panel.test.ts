import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launch, shot, type Browser } from "./support/browser";
import { CutProxy } from "./support/cut-proxy";
import { MIN, RAIN_MM, startPanelEnv, type PanelEnv } from "./support/panel-env";

/**
 * The operator panel in Debian's chromium against a real gateway (embedded broker, SQLite,
 * rules engine, HTTP). Tests run in order and share one farm: log in, see the state, an alert
 * arrives live, a viewer cannot acknowledge it, an operator does, languages, phone width,
 * an outage with its banner and catch-up. Every wait is on a condition, never a sleep.
 */
const LONG = 120_000;
const catalogueKeys = Object.keys(JSON.parse(readFileSync(new URL("../../panel/i18n/en.json", import.meta.url), "utf8")) as Record<string, string>);

let env: PanelEnv;
let proxy: CutProxy;
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  env = await startPanelEnv();
  proxy = new CutProxy(env.gw.http.port);
  await proxy.start();
  base = `http://127.0.0.1:${proxy.port}`;
  browser = await launch();
  page = await browser.page();
}, LONG);

afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
  await env?.close();
});

async function login(p: Page, user: string, password: string): Promise<void> {
  await p.goto(base + "/#/");
  await p.locator("#login-user").fill(user);
  await p.locator("#login-pass").fill(password);
  await p.locator("form[data-testid=login-form] button[type=submit]").click();
  await p.locator("[data-testid=overview]").waitFor();
}

/** No catalogue key shows as text (a key on screen is a missing or mistyped translation). */
async function expectNoRawKeys(p: Page): Promise<void> {
  const text = await p.locator("body").innerText();
  const shown = catalogueKeys.filter((k) => text.includes(k) && k.includes("."));
  expect(shown).toEqual([]);
}

async function apiAs(p: Page, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return p.evaluate(
    async ({ method, path, body }) => {
      const me = await (await fetch("/api/v1/me")).json();
      const r = await fetch(path, { method, headers: { "content-type": "application/json", "x-csrf-token": me.csrf }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, json: await r.json() };
    },
    { method, path, body },
  );
}

/** Text elements whose colour has less than 7:1 contrast with the first opaque background behind them. */
const CONTRAST_SCRIPT = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const bg = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || c[3] > 0.5) return c; } return [255, 255, 255]; };
  const out = [];
  for (const el of document.querySelectorAll("h1, h2, .metric-value, .metric-label, .sev, .proof, .nav-link, .small, .muted, .alert-text, .state, .tab, button, label, td, dd, dt")) {
    if (!el.getClientRects().length || !el.textContent.trim()) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 7) out.push(el.className + " " + el.textContent.trim().slice(0, 20) + " " + ratio.toFixed(2));
  }
  return out;
})()`;

describe("operator panel in chromium", () => {
  it("shows the login page in Chinese and refuses a wrong password", async () => {
    await page.goto(base + "/");
    await page.locator("[data-testid=login-form]").waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    expect(await page.locator("h1").innerText()).toBe("操作员登录");
    await page.locator("#login-user").fill("op");
    await page.locator("#login-pass").fill("wrong-password");
    await page.locator("form[data-testid=login-form] button[type=submit]").click();
    await expect.poll(() => page.locator("[data-testid=login-error]").innerText(), { timeout: 30_000 }).toBe("用户名或密码错误");
    await shot(page, "login-zh");
  }, LONG);

  it("logs in and shows the store's fill and the pile's harmlessness progress", async () => {
    await login(page, "op", "operator-pass-1");
    const api = (await apiAs(page, "GET", "/api/v1/facilities")).json as { facilities: { id: string; state: { fillPct?: number; harmlessness?: { heldDays: number }[] } }[] };
    const store = api.facilities.find((f) => f.id === "pit1")!;
    const pile = api.facilities.find((f) => f.id === "pile1")!;
    expect(store.state.fillPct).toBeGreaterThan(50);
    const fill = page.locator("[data-testid=card-pit1] [data-testid=store-fill] .metric-value");
    await expect.poll(() => fill.innerText(), { timeout: 30_000 }).toContain(String(store.state.fillPct));
    const progress = await page.locator("[data-testid=card-pile1] [data-testid=pile-progress]").innerText();
    expect(progress).toContain("≥ 50 °C");
    expect(progress).toContain(`${pile.state.harmlessness![0].heldDays}`);
    expect(progress).toMatch(/已保持 [\d.]+ \/ 7 天/);
    expect(await page.locator("[data-testid=card-pit1] [data-testid=proof-overflow]").innerText()).toContain("防溢流");
    expect(await page.locator("[data-testid=card-tk1] [data-testid=tanker-state]").innerText()).not.toBe("");
    await expectNoRawKeys(page);
    await shot(page, "overview-zh");
  }, LONG);

  it("shows an alert live, without a reload, once its reading is ingested", async () => {
    await page.goto(base + "/#/alerts");
    await page.locator("[data-testid=alert-list]").waitFor();
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 42));
    expect(await page.locator("[data-rule=L1]").count()).toBe(0);
    // Distance 0.6 m under a sensor 0.5 m above the lip: freeboard 0.1 m < 0.30 m (L1, critical).
    const t = env.clock.now();
    await env.publish("pit-1", [0, 1, 2, 3, 4, 5].map((i) => ["lvl.distance", t - (5 - i) * 1000, 0.6, 0]));
    const row = page.locator("li[data-rule=L1]");
    await row.waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(42);
    expect(await row.locator(".sev").innerText()).toContain("严重");
    // The full sentence with its numbers (the live message carries the rules engine's params):
    // the sensor is 0.5 m above the lip and reads 0.6 m, so the freeboard is 0.1 m (< 0.3 m).
    expect(await row.locator("[data-testid=alert-text]").innerText()).toBe("安全超高仅 0.1 米，低于下限 0.3 米（防溢流）");
    expect(await row.locator("[data-testid=alert-state]").innerText()).toBe("待处理");
    // The header's count follows too.
    await expect.poll(() => page.locator("[data-testid=alert-count]").innerText()).not.toBe("0");
    await shot(page, "alerts-live-zh");
  }, LONG);

  it("does not let a viewer acknowledge (no button, and the API refuses)", async () => {
    const b2 = await launch();
    try {
      const p2 = await b2.page();
      await login(p2, "view", "viewer-pass-1");
      await p2.goto(base + "/#/alerts");
      const row = p2.locator("li[data-rule=L1]");
      await row.waitFor();
      expect(await row.locator("[data-testid=no-ack]").innerText()).toBe("只读账号不能确认告警");
      expect(await row.locator("[data-testid=ack-button]").count()).toBe(0);
      const id = Number((await row.getAttribute("data-testid"))!.replace("alert-", ""));
      const r = await apiAs(p2, "POST", `/api/v1/alerts/${id}/ack`, { note: "viewer tries" });
      expect(r.status).toBe(403);
      await shot(p2, "alerts-viewer-zh");
      // Nor record events: the form is not offered (and the API refuses that too).
      await p2.goto(base + "/#/record");
      expect(await p2.locator("[data-testid=record-viewer]").innerText()).toBe("只读账号不能记录作业");
      expect(await p2.locator("[data-testid=record-form]").count()).toBe(0);
      expect((await apiAs(p2, "POST", "/api/v1/events", { facility: "pile1", type: "turning" })).status).toBe(403);
    } finally {
      await b2.close();
    }
  }, LONG);

  it("acknowledges the alert with a note", async () => {
    const row = page.locator("li[data-rule=L1]");
    await row.locator("[data-testid=ack-button]").click();
    await expect.poll(() => row.locator(".error").innerText()).toBe("请填写处理说明");
    await row.locator("[data-testid=ack-note-input]").fill("已安排抽排，明早清运");
    await row.locator("[data-testid=ack-button]").click();
    await expect.poll(() => row.locator("[data-testid=alert-state]").innerText(), { timeout: 30_000 }).toBe("已确认");
    expect(await row.locator("[data-testid=ack-note]").innerText()).toContain("已安排抽排，明早清运");
    expect(await row.locator("[data-testid=alert-text]").innerText()).toBe("安全超高仅 0.1 米，低于下限 0.3 米（防溢流）");
    const id = Number((await row.getAttribute("data-testid"))!.replace("alert-", ""));
    const stored = (await apiAs(page, "GET", `/api/v1/alerts/${id}`)).json as { alert: { state: string; ackNote: string; ackBy: string } };
    expect(stored.alert).toMatchObject({ state: "acknowledged", ackNote: "已安排抽排，明早清运", ackBy: "op" });
    await shot(page, "alerts-acked-zh");
    await page.goto(base + `/#/alerts/${id}`);
    await page.locator("[data-testid=transitions] li").nth(1).waitFor();
    await shot(page, "alert-history-zh");
  }, LONG);

  it("shows the facility pages with charts, thresholds and events", async () => {
    for (const id of ["pit1", "pile1", "tk1"]) {
      await page.goto(base + `/#/facility/${id}?span=7d`);
      await page.locator("[data-testid=chart] canvas").first().waitFor({ timeout: 30_000 });
      await expectNoRawKeys(page);
      await shot(page, `facility-${id}-zh`);
    }
    // The store's rain gauge as rain per day in mm (its counter, reset once during the drizzle,
    // is not what is drawn): the bars add up to what fell.
    await page.goto(base + "/#/facility/pit1?span=7d");
    const rain = page.locator("[data-testid=chart][aria-label=降雨量]");
    await expect.poll(() => rain.getAttribute("data-total"), { timeout: 30_000 }).toBe(String(RAIN_MM));
    expect(await rain.locator(".u-legend").innerText()).toContain("每日降雨（毫米）");
    expect(await page.locator(".chart-box h3", { hasText: "降雨量" }).innerText()).toContain("每日累计");
    await page.locator("[data-testid=span-24h]").click();
    await page.waitForURL(/span=24h/);
    await page.locator("[data-testid=chart] canvas").first().waitFor();
  }, LONG);

  it("records a turning for the pile", async () => {
    await page.goto(base + "/#/record?facility=pile1&type=turning");
    await page.locator("[data-testid=record-form]").waitFor();
    await page.locator("#ev-note").fill("铲车翻堆");
    await page.locator("[data-testid=record-form] button[type=submit]").click();
    await expect.poll(() => page.locator("[data-testid=record-result]").innerText(), { timeout: 30_000 }).toMatch(/^已记录：翻堆/);
    const ev = (await apiAs(page, "GET", `/api/v1/events?facility=pile1&from=0&to=${env.clock.now() + 86_400_000}`)).json as { events: { type: string; by: string }[] };
    expect(ev.events.some((e) => e.type === "turning" && e.by === "op")).toBe(true);
    await shot(page, "record-zh");
    // The turning shows on the pile's page: in its events and as a marker on the chart,
    // next to the threshold lines (harmlessness 50 and 45 °C, overheat 65, severe 70).
    const t = env.clock.now();
    await env.publish("pit-1", [["pile.t1", t, 60, 0], ["pile.t2", t, 56, 0]]);
    await page.goto(base + "/#/facility/pile1?span=24h");
    const chart = page.locator("[data-testid=chart]").first();
    await expect.poll(() => chart.getAttribute("data-markers"), { timeout: 30_000 }).toBe("1");
    expect(await chart.getAttribute("data-lines")).toBe("4");
    expect(await page.locator(".events").innerText()).toMatch(/翻堆 · 人工 · op/);
    await shot(page, "facility-pile1-turning-zh");
  }, LONG);

  it("shows the ledger with per-field totals and a CSV export, and the nodes' health", async () => {
    await page.goto(base + "/#/ledger");
    await page.locator("[data-testid=ledger-fields]").waitFor();
    // This morning's trip: 6 t loaded at the pit, 6 t spread on 东田 (20 mu × 3 t/mu cap = 60 t).
    await expect.poll(() => page.locator("[data-testid=ledger-fields]").innerText()).toMatch(/东田[\s\S]*6 \/ 60 吨 · 1 车 · 20 亩 · 上限 3 吨\/亩/);
    const entries = await page.locator("table.table tbody").innerText();
    expect(entries).toMatch(/卸料\s+东田\s+6/);
    expect(entries).toMatch(/装载\s+一号贮存池\s+6/);
    const csv = await page.evaluate(async () => {
      const a = document.querySelector("[data-testid=ledger-csv]") as HTMLAnchorElement;
      const r = await fetch(a.href);
      return { status: r.status, type: r.headers.get("content-type") };
    });
    expect(csv).toEqual({ status: 200, type: expect.stringMatching(/^text\/csv/) });
    await shot(page, "ledger-zh");
    await page.goto(base + "/#/nodes");
    const pit1 = page.locator("[data-testid=node-pit-1]");
    await pit1.waitFor();
    await expect.poll(() => pit1.innerText(), { timeout: 30_000 }).toContain("0.3.1");
    expect(await pit1.innerText()).toMatch(/Modbus 错误率\s+1 %/);
    expect(await pit1.innerText()).toMatch(/待发缓存\s+7/);
    expect(await pit1.locator("[data-testid=node-online]").innerText()).toContain("在线");
    await shot(page, "nodes-zh");
    // The node's will (offline) arrives: the view follows without a reload.
    await env.status("pit-2", { state: "offline" });
    await expect.poll(() => page.locator("[data-testid=node-pit-2] [data-testid=node-online]").innerText(), { timeout: 30_000 }).toContain("离线");
  }, LONG);

  it("switches to English and keeps the choice after a reload", async () => {
    await page.goto(base + "/#/");
    await page.locator("[data-testid=overview]").waitFor();
    await page.locator("[data-testid=lang-switch]").click();
    await expect.poll(() => page.locator("h1").first().innerText()).toBe("Farm overview");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    expect(await page.locator("[data-testid=card-pile1] [data-testid=pile-progress]").innerText()).toMatch(/≥ 50 °C: [\d.]+ of 7 days/);
    await page.reload();
    await page.locator("[data-testid=overview]").waitFor();
    expect(await page.locator("h1").first().innerText()).toBe("Farm overview");
    // No Chinese in the interface itself (facility names are the farm's data, in the cards).
    const chrome = await page.locator("header").evaluate((el) => { const c = el.cloneNode(true) as HTMLElement; c.querySelector("[data-testid=lang-switch]")?.remove(); return c.textContent ?? ""; });
    expect(chrome).not.toMatch(/[\u3400-\u9fff]/);
    await expectNoRawKeys(page);
    await shot(page, "overview-en");
    await page.goto(base + "/#/alerts?all=1");
    await page.locator("li[data-rule=L1]").waitFor();
    expect(await page.locator("li[data-rule=L1] [data-testid=alert-state]").innerText()).toBe("Acknowledged");
    // Loaded over REST after a reload: GET /api/v1/alerts carries the params too.
    expect(await page.locator("li[data-rule=L1] [data-testid=alert-text]").innerText()).toBe("Freeboard 0.1 m is below the minimum 0.3 m (overflow)");
    await shot(page, "alerts-en");
    await page.locator("[data-testid=lang-switch]").click();
    await expect.poll(() => page.locator("h1").first().innerText()).toBe("告警历史");
  }, LONG);

  it("fits a 360 px phone: no horizontal scroll, touch targets of at least 44 px", async () => {
    const phone = await browser.page({ width: 360, height: 740 });
    for (const [hash, name] of [["#/", "overview"], ["#/alerts", "alerts"], ["#/facility/pit1", "facility-pit1"], ["#/facility/pile1", "facility-pile1"], ["#/ledger", "ledger"], ["#/nodes", "nodes"], ["#/record", "record"]] as const) {
      await phone.goto(base + "/" + hash);
      await phone.locator("main#view > *").first().waitFor();
      if (name.startsWith("facility")) await phone.locator("[data-testid=chart] canvas").first().waitFor({ timeout: 30_000 });
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal overflow on ${name}`).toBeLessThanOrEqual(0);
      const small = await phone.evaluate(() =>
        Array.from(document.querySelectorAll("button, .button, .tab, .nav-link, input, select"))
          .map((e) => e.getBoundingClientRect())
          .filter((r) => r.width > 0 && (r.height < 44 || r.width < 44)).length,
      );
      expect(small, `small touch targets on ${name}`).toBe(0);
      // Outdoors: text contrast at least 7:1 (WCAG 2.x 1.4.6, AAA) against its own background.
      const low = await phone.evaluate(CONTRAST_SCRIPT);
      expect(low, `low-contrast text on ${name}`).toEqual([]);
      await shot(phone, `phone-${name}-zh`);
    }
    await phone.close();
  }, LONG);

  it("shows a banner when the connection is lost and catches up after it returns", async () => {
    await page.goto(base + "/#/alerts");
    await page.locator("[data-testid=alert-list]").waitFor();
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 7));
    proxy.cutAll();
    const banner = page.locator("[data-testid=banner-lost]");
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.innerText()).toContain("与网关的连接已断开");
    await shot(page, "banner-lost-zh");
    // The banner speaks English too (the switch works offline: the catalogue is in the page).
    await page.locator("[data-testid=lang-switch]").click();
    await expect.poll(() => banner.innerText()).toContain("Connection to the gateway lost");
    await shot(page, "banner-lost-en");
    await page.locator("[data-testid=lang-switch]").click();
    await expect.poll(() => banner.innerText()).toContain("与网关的连接已断开");
    // While the page is cut off, the pile overheats (C5: a probe above 65 °C).
    const t = env.clock.now();
    await env.publish("pit-1", [["pile.t1", t, 68, 0], ["pile.t2", t, 56, 0]]);
    expect(await page.locator("li[data-rule=C5]").count()).toBe(0);
    proxy.restore();
    await page.locator("li[data-rule=C5]").waitFor({ timeout: 60_000 });
    await banner.waitFor({ state: "detached", timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(7);
    await shot(page, "caught-up-zh");
  }, LONG);
});

void MIN;
