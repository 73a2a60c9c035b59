/**
 * net.type "w5500": the bundle built with an embedded W5500 configuration, in hil-sim's
 * Espruino runtime with an emulated WIZnet W5500 (hil-sim/src/espruino/wiznet.ts), against
 * a real aedes broker. Comes up through DHCP, survives a cable pull without losing a reading,
 * recovers from a missing module and a DHCP server that does not answer at first, and renews
 * its address when its connections keep failing with the cable in.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { W5500Module } from "../../../hil-sim/src/espruino/wiznet";
import { tempDir } from "../../../test/support/tmp";
import { buildFirmware } from "../../scripts/build";
import { waitFor } from "../acking-gateway";
import { bundle, rig, rigConfig, type Rig } from "./rig";

const MIN = 60_000;
const HOUR = 60 * MIN;
const PINS = { sck: "D18", miso: "D19", mosi: "D23", cs: "D5" };
const NET = { type: "w5500", spi: { sck: "D18", miso: "D19", mosi: "D23", baud: 8000000 }, cs: "D5", rst: "D26" };

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.stop();
});

const tmp = tempDir("fw-w5500-");
let code = "";
let sizes = { w5500: 0, wifi: 0 };
let wifiCode = "";
let wd30Code = "";
beforeAll(async () => {
  writeFileSync(join(tmp.dir, "eth.json"), JSON.stringify(rigConfig({ net: NET })));
  writeFileSync(join(tmp.dir, "wifi.json"), JSON.stringify(rigConfig()));
  const eth = await buildFirmware({ config: join(tmp.dir, "eth.json"), out: join(tmp.dir, "eth.js"), statusEvery: 600 });
  const wifi = await buildFirmware({ config: join(tmp.dir, "wifi.json"), out: join(tmp.dir, "wifi.js"), statusEvery: 600 });
  const wd30 = await buildFirmware({ config: join(tmp.dir, "eth.json"), out: join(tmp.dir, "eth30.js"), statusEvery: 600, watchdog: 30 });
  wd30Code = readFileSync(wd30.file, "utf8");
  code = readFileSync(eth.file, "utf8");
  wifiCode = readFileSync(wifi.file, "utf8");
  sizes = { w5500: eth.bytes, wifi: wifi.bytes };
}, 300_000);
afterAll(() => tmp.cleanup());

async function start(w: W5500Module, seed: number, opts: { code?: string; net?: Record<string, unknown>; storageConfig?: boolean } = {}) {
  const r = await rig({ seed, code: opts.code ?? code, storageConfig: opts.storageConfig ?? false, net: opts.net ?? NET, w5500: w, every: { lvl: 60, pile: 300 } });
  rigs.push(r);
  r.rt.boot();
  return r;
}

/** Wall-time TCP against virtual time: run in steps until `done` (at most `max` virtual ms). */
async function runUntil(r: Rig, done: () => boolean, max: number) {
  for (let t = 0; t < max && !done(); t += 5 * MIN) await r.clock.runFor(5 * MIN);
}

/** Every level poll of [from, to] reached the gateway (one a minute: no hole over 2 min). */
function holes(r: Rig, from: number, to: number): number[] {
  const ts = r.gw.readings("lvl.distance").map((x) => x[1]).filter((t) => t >= from && t <= to);
  const out: number[] = [];
  for (let i = 1; i < ts.length; i++) if (ts[i] - ts[i - 1] > 2 * MIN) out.push(ts[i - 1]);
  return out;
}

describe("a node on a W5500 (built with net.type \"w5500\")", () => {
  it("only the W5500 build carries the W5500 code", () => {
    expect(code).toContain("WIZnet");
    expect(wifiCode).not.toContain("WIZnet");
    // Printed for the record (firmware/README.md quotes these figures).
    console.log(`bundle bytes: w5500 config ${sizes.w5500}, wifi config ${sizes.wifi} (+${sizes.w5500 - sizes.wifi})`);
    expect(sizes.w5500 - sizes.wifi).toBeLessThan(2500);
  });

  it("comes up by DHCP, is acked, and loses nothing over a 2-hour cable pull", async () => {
    const w = new W5500Module({ pins: PINS });
    const r = await start(w, 11);
    const t0 = r.clock.now();
    await runUntil(r, () => r.gw.readings("lvl.distance").length >= 10, 2 * HOUR);
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.rt.consoleText()).toMatch(/net up 192\.168\.1\.60/);
    expect(r.gw.invalid).toEqual([]);
    expect(r.gw.readings("lvl.distance").length).toBeGreaterThanOrEqual(10);
    // the reset pin was pulsed and left high
    expect(r.rt.pinOutput(26)).toBe(1);

    const pulledAt = r.clock.now();
    w.unplug();
    await r.clock.runFor(2 * HOUR);
    // Nothing taken after the pull got through while the cable was out.
    expect(r.gw.readings("lvl.distance").filter((x) => x[1] > pulledAt + MIN).length).toBe(0);
    expect(r.rt.consoleText()).toMatch(/net: W5500 cable out/);
    const plugAt = r.clock.now();
    w.plug();
    await runUntil(r, () => r.gw.gaps().length === 0 && r.gw.readings("lvl.distance").some((x) => x[1] > plugAt + 20 * MIN), 2 * HOUR);
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.invalid).toEqual([]);
    expect(r.gw.gaps()).toEqual([]);
    expect(r.gw.changedDuplicates).toBe(0);
    expect(holes(r, t0 + 5 * MIN, plugAt + 20 * MIN)).toEqual([]);
    expect(r.gw.readings("lvl.distance").filter((x) => x[1] > pulledAt && x[1] < plugAt).length).toBeGreaterThanOrEqual(115);
    expect(w.stats.dhcpOk).toBe(2); // a new lease once the cable was back
    expect(w.stats.hangs).toBe(0); // connect() was not called again with the cable out
    const s = r.gw.statuses[r.gw.statuses.length - 1];
    expect(s.err?.netErr).toBeGreaterThanOrEqual(1);
    expect(r.rt.stats.boots).toBe(1);
  }, 600_000);

  it("no module at first, then a DHCP server that does not answer: retries with backoff, counts, then delivers everything", async () => {
    const w = new W5500Module({ pins: PINS });
    w.present = false;
    w.dhcpFailures = 2;
    const r = await start(w, 12);
    const t0 = r.clock.now();
    await r.clock.runFor(10_000);
    expect(r.rt.consoleText()).toMatch(/net: W5500 .*no W5500 answers on SPI/);
    expect(r.rt.consoleText()).toMatch(/WIZnet Initialize failed\./);
    w.present = true;
    await runUntil(r, () => r.gw.readings("lvl.distance").length >= 10, 2 * HOUR);
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.rt.consoleText()).toMatch(/net: W5500 setIP: DHCP failed; retry in \d+ s/);
    expect(w.stats.dhcpFailed).toBe(2);
    expect(w.stats.dhcpOk).toBe(1);
    expect(r.gw.invalid).toEqual([]);
    expect(r.gw.gaps()).toEqual([]);
    // readings taken before the network came up (≈ 75 s of bring-up failures) are delivered too
    expect(r.gw.readings("lvl.distance")[0][1] - t0).toBeLessThan(2 * MIN);
    const online = r.gw.statuses.find((x) => x.state === "online")!;
    expect(online.err?.netErr).toBeGreaterThanOrEqual(3); // ≥ 1 absent module + 2 DHCP failures
    expect(r.rt.stats.resets.watchdog).toBe(0);
  }, 600_000);

  it("cable pulled after a failed DHCP round: no DHCP while it is out, a lease soon after it is back", async () => {
    const w = new W5500Module({ pins: PINS });
    w.dhcpFailures = 1;
    const r = await start(w, 17);
    await r.clock.runFor(31_000);
    expect(w.stats.dhcpFailed).toBe(1);
    w.unplug(); // the retry is due 2 s later
    await r.clock.runFor(30 * MIN);
    expect(w.stats.dhcpFailed).toBe(1);
    expect(w.stats.dhcpOk).toBe(0);
    const plugAt = r.clock.now();
    w.plug();
    await r.clock.runFor(10_000);
    expect(w.stats.dhcpOk).toBe(1);
    await runUntil(r, () => r.gw.readings("lvl.distance").some((x) => x[1] > plugAt), HOUR);
    expect(r.gw.gaps()).toEqual([]);
    expect(r.gw.readings("lvl.distance").length).toBeGreaterThanOrEqual(30);
    expect(r.rt.stats.resets.watchdog).toBe(0);
    expect(r.rt.uncaughtErrors).toEqual([]);
  }, 600_000);

  it("a DHCP round without an answer blocks ≈ 30 s: a 30 s watchdog resets the node, the W5500 default of 45 s does not", async () => {
    const w = new W5500Module({ pins: PINS });
    w.dhcpFailures = 1;
    const r = await start(w, 16, { code: wd30Code });
    await r.clock.runFor(5 * MIN);
    // the round was running (its failure never reported: the reset came first)
    expect(w.dhcpFailures).toBe(0);
    expect(r.rt.stats.resets.watchdog).toBe(1);
    expect(r.rt.consoleText()).toMatch(/WATCHDOG/);
    // boot 2 gets its lease and delivers, boot 1's readings included
    await runUntil(r, () => r.gw.readings("lvl.distance").length >= 5, HOUR);
    expect(r.gw.gaps()).toEqual([]);
    expect(r.rt.stats.boots).toBe(2);
    // the default build (watchdog 45 s for a W5500 on DHCP) rode out two such rounds above
  }, 600_000);

  it("static address from Storage node.json; a pushed configuration is applied without connecting the W5500 again", async () => {
    const w = new W5500Module({ pins: PINS });
    const net = { ...NET, ip: { ip: "192.168.1.20", subnet: "255.255.255.0", gateway: "192.168.1.1", dns: "192.168.1.1" } };
    // the bundle without an embedded configuration (it carries every link), node.json in Storage
    const r = await start(w, 14, { code: await bundle(), net, storageConfig: true });
    await runUntil(r, () => r.gw.readings("lvl.distance").length >= 5, 2 * HOUR);
    expect(r.rt.consoleText()).toMatch(/net up 192\.168\.1\.20/);
    expect(w.stats).toMatchObject({ staticIp: 1, dhcpOk: 0, connects: 1 });
    await r.gw.command("c1", "config", { ...rigConfig({ net, every: { lvl: 30, pile: 300 } }) });
    for (let i = 0; i < 20 && r.gw.results.length === 0; i++) await r.clock.runFor(5000);
    await waitFor(() => r.gw.results.length > 0, "cmd/res");
    expect(r.gw.results[0]).toMatchObject({ id: "c1", ok: true });
    const n = r.gw.readings("lvl.distance").length;
    await runUntil(r, () => r.gw.readings("lvl.distance").length >= n + 10, HOUR);
    expect(r.gw.readings("lvl.distance").length).toBeGreaterThanOrEqual(n + 10);
    expect(w.stats).toMatchObject({ staticIp: 2, connects: 1 }); // setIP again, connect() not
    expect(r.rt.uncaughtErrors).toEqual([]);
  }, 600_000);

  it("a Wi-Fi build refuses a pushed W5500 configuration (its W5500 code was left out)", async () => {
    const r = await rig({ seed: 15, code: wifiCode, storageConfig: false });
    rigs.push(r);
    r.rt.boot();
    await runUntil(r, () => r.gw.readings("lvl.distance").length >= 2, HOUR);
    await r.gw.command("c1", "config", rigConfig({ net: NET }));
    for (let i = 0; i < 20 && r.gw.results.length === 0; i++) await r.clock.runFor(5000);
    await waitFor(() => r.gw.results.length > 0, "cmd/res");
    expect(r.gw.results[0]).toMatchObject({ id: "c1", ok: false, err: "net: this firmware has no W5500 support (built without it)" });
    expect(r.flash.list(0)).not.toContain("node.json");
  }, 600_000);

  it("a Wi-Fi build refuses a W5500 configuration found in Storage and runs its embedded one", async () => {
    const r = await rig({ seed: 16, code: wifiCode, storageConfig: true, net: NET });
    rigs.push(r);
    r.rt.boot();
    await runUntil(r, () => r.gw.readings("lvl.distance").length >= 3, HOUR);
    expect(r.rt.consoleText()).toContain("config: node.json: net: this firmware has no W5500 support (built without it)");
    expect(r.rt.consoleText()).toMatch(/config from embedded/);
    expect(r.gw.readings("lvl.distance").length).toBeGreaterThanOrEqual(3);
    expect(r.rt.uncaughtErrors).toEqual([]);
  }, 600_000);

  it("connections failing with the cable in (router reboot): a new DHCP round, then delivery resumes", async () => {
    const w = new W5500Module({ pins: PINS });
    const r = await start(w, 13);
    await runUntil(r, () => r.gw.readings("lvl.distance").length >= 5, 2 * HOUR);
    expect(w.stats.dhcpOk).toBe(1);
    const cutAt = r.clock.now();
    r.net.cut();
    await r.clock.runFor(20 * MIN);
    // STALE_LINK_MS (3 min) without MQTT while the link is up → setIP again, more than once
    expect(w.stats.dhcpOk).toBeGreaterThanOrEqual(2);
    r.net.restore();
    const backAt = r.clock.now();
    await runUntil(r, () => r.gw.gaps().length === 0 && r.gw.readings("lvl.distance").some((x) => x[1] > backAt + 10 * MIN), 2 * HOUR);
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.gaps()).toEqual([]);
    expect(holes(r, cutAt - 5 * MIN, backAt + 10 * MIN)).toEqual([]);
  }, 600_000);
});
