/**
 * A bundle built with its configuration embedded (--config), for a node without GPS: the
 * NMEA parser is left out of the bundle, the node runs from the embedded configuration, and a
 * configuration pushed over cmd that asks for a GPS is refused with the reason.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildFirmware } from "../../scripts/build";
import { tempDir } from "../../../test/support/tmp";
import { waitFor } from "../acking-gateway";
import { rig, rigConfig, type Rig } from "./rig";

const rigs: Rig[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.stop();
  for (const c of cleanups.splice(0)) c();
});

const MIN = 60_000;

describe("a bundle with an embedded configuration without GPS", () => {
  it("leaves the NMEA parser out, runs from the embedded configuration, refuses a pushed configuration with gps", async () => {
    const tmp = tempDir("fw-emb-");
    cleanups.push(() => tmp.cleanup());
    const cfg = rigConfig();
    writeFileSync(join(tmp.dir, "node.json"), JSON.stringify(cfg));
    const noGps = await buildFirmware({ config: join(tmp.dir, "node.json"), out: join(tmp.dir, "a.js"), statusEvery: 600 });
    writeFileSync(join(tmp.dir, "gps.json"), JSON.stringify({ ...cfg, gps: { serial: "Serial3", baud: 9600 } }));
    const withGps = await buildFirmware({ config: join(tmp.dir, "gps.json"), out: join(tmp.dir, "b.js"), statusEvery: 600 });
    const code = readFileSync(noGps.file, "utf8");
    // The NMEA fix parser (src/gps/nmea.ts) carries these texts; the GPS build has them, the
    // other not. The receiver, its parser and the line splitter cost ≈ 1.9 KB (measured 2026-11-23).
    expect(readFileSync(withGps.file, "utf8")).toContain("GGA");
    expect(code).not.toContain("GGA");
    expect(noGps.bytes).toBeLessThan(withGps.bytes - 1500);

    const r = await rig({ seed: 8, code, storageConfig: false });
    rigs.push(r);
    r.rt.boot();
    // Wall-time TCP against virtual time: run until eight level readings arrived (at most 1 h).
    for (let i = 0; i < 12; i++) {
      await r.clock.runFor(5 * MIN);
      if (i >= 1 && r.gw.readings("lvl.distance").length >= 8) break;
    }
    expect(r.rt.consoleText()).toMatch(/node pit-1 boot 1 fw \S+ config from embedded/);
    expect(r.rt.uncaughtErrors).toEqual([]);
    expect(r.gw.invalid).toEqual([]);
    expect(r.gw.readings("lvl.distance").length).toBeGreaterThanOrEqual(8);

    await r.gw.command("c1", "config", { ...cfg, gps: { serial: "Serial3", baud: 9600 } });
    for (let i = 0; i < 20 && r.gw.results.length === 0; i++) await r.clock.runFor(5000);
    await waitFor(() => r.gw.results.length > 0, "cmd/res");
    expect(r.gw.results[0]).toMatchObject({ id: "c1", ok: false });
    expect(r.gw.results[0].err).toMatch(/^gps: /);
    // Nothing was stored: the node still runs the embedded configuration after a reboot.
    expect(r.flash.list(0)).not.toContain("node.json");
  }, 300_000);
});
