import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { tempDir } from "../../../test/support/tmp";
import { Store } from "../../src/store/store";
import { systemClock } from "../../src/clock";
import { spawnGateway, writeProcessConfig } from "../support/gateway-process";

const run = promisify(execFile);
const BIN = join(__dirname, "..", "..", "bin", "farm-gateway.js");
let tmp: ReturnType<typeof tempDir>;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd: tmp.dir });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeEach(() => {
  tmp = tempDir("gw-cli-");
});
afterEach(() => tmp.cleanup());

describe("farm-gateway CLI (real process)", () => {
  it("check-config names the path and reason of a bad field", { timeout: 120_000 }, async () => {
    writeFileSync(join(tmp.dir, "g.yaml"), "farm: demo\nmqtt:\n  listen:\n    port: -1\n");
    const r = await cli(["check-config", "-c", join(tmp.dir, "g.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mqtt\.listen\.port: .*(>=|greater)/i);
    const ok = await cli(["check-config"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/config ok: .*embedded broker 0\.0\.0\.0:1883.*http 0\.0\.0\.0:8080, upstream none/);
  });

  it("start: a SIGTERM while it is still starting (its broker just listening) stops it cleanly, exit 0", { timeout: 120_000 }, async () => {
    const gp = await spawnGateway(writeProcessConfig(tmp.dir));
    // spawnGateway returns at the broker's "listening" line, which start() logs halfway through.
    expect(await gp.stop()).toBe(0);
    expect(gp.log()).toContain('"msg":"signal received, stopping"');
  });

  it("adds users and tokens, revokes a token, reports db stats, exports CSV and NDJSON", { timeout: 240_000 }, async () => {
    const cfgFile = join(tmp.dir, "g.json");
    writeFileSync(cfgFile, JSON.stringify({ dataDir: "./d", farm: "demo" }));
    const c = ["-c", cfgFile];
    expect((await cli(["user", "add", "wang", "--role", "operator", ...c], { FARM_GATEWAY_PASSWORD: "long-enough-pw" })).code).toBe(0);
    const bad = await cli(["user", "add", "li", "--role", "king", "--password", "xxxxxxxxx", ...c]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--role must be/);
    const tok = await cli(["token", "add", "county", ...c]);
    expect(tok.stdout.trim()).toMatch(/^fgt_[A-Za-z0-9_-]{40,}$/);
    const store = new Store({ path: join(tmp.dir, "d", "gateway.db"), synchronous: "FULL", clock: systemClock });
    store.open();
    try {
      expect(store.checkUserPassword("wang", "long-enough-pw")?.role).toBe("operator");
      expect(store.checkUserPassword("wang", "wrong-password")).toBeNull();
      expect(store.checkToken(tok.stdout.trim())?.name).toBe("county");
      expect((await cli(["token", "revoke", "county", ...c])).code).toBe(0);
      expect(store.checkToken(tok.stdout.trim())).toBeNull();
      const T = Date.UTC(2026, 2, 1);
      store.write([{ kind: "up", node: "n1", boot: 1, seq: 1, sentT: T, receivedAt: T, readings: [
        { key: "lvl.d", t: T, value: 1.5, flags: 0, reason: null, lat: null, lon: null, fix: null },
        { key: "lvl.d", t: T + 60_000, value: null, flags: 1, reason: "timeout, no reply", lat: 30.1, lon: 120.2, fix: 1 },
      ] }, { kind: "up", node: "n1", boot: 1, seq: 3, sentT: T, receivedAt: T, readings: [{ key: "lvl.d", t: T + 7_200_000, value: 2, flags: 0, reason: null, lat: null, lon: null, fix: null }] }]);
    } finally {
      store.close();
    }
    const stats = JSON.parse((await cli(["db", "stats", ...c])).stdout);
    expect(stats.tables.readings).toBe(3);
    expect(stats.gaps).toBe(1);
    expect(stats.missingMessages).toBe(1);
    expect(stats.dbBytes).toBeGreaterThan(0);
    expect([stats.upstreamCursor, stats.upstreamRendered]).toEqual([0, 0]);
    const csv = await cli(["export", "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-01T01:00:00Z", ...c]);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toBe("sensor,node,key,t_iso,t_ms,value,flags,reason,lat,lon,fix,seq");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('"timeout, no reply"');
    const nd = await cli(["export", "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-02T00:00:00Z", "--format", "ndjson", ...c]);
    const rows = nd.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((r) => r.value)).toEqual([1.5, null, 2]);
  });
});
