import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../test/support/tmp";
import { ConfigError, loadConfig, parseConfig } from "./load";
import { hashSecret, verifySecret } from "./passwords";

describe("config", () => {
  it("runs on embedded defaults with no file", () => {
    const c = loadConfig();
    expect(c.mqtt.listen).toEqual({ host: "0.0.0.0", port: 1883 });
    expect(c.http.port).toBe(8080);
    expect(c.upstream).toBeUndefined();
    expect(c.store.path).toBe(join(process.cwd(), "data", "gateway.db"));
    expect(c.store.synchronous).toBe("FULL");
    expect(c.commands.timeoutS).toBe(600);
    expect(() => parseConfig({ commands: { timeoutS: 0 } })).toThrow(/commands\.timeoutS/);
  });

  it("names the path and the reason of every error", () => {
    try {
      parseConfig({ farm: "bad farm", mqtt: { listen: { port: 70000 }, nodes: [{ id: "n1", passwordHash: "plain" }] }, extra: 1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const probs = (e as ConfigError).problems;
      const paths = probs.map((p) => p.path);
      expect(paths).toContain("farm");
      expect(paths).toContain("mqtt.listen.port");
      expect(paths).toContain("mqtt.nodes[0].passwordHash");
      expect(probs.find((p) => p.path === "farm")!.reason).toMatch(/A-Z/);
      expect((e as Error).message).toMatch(/unrecognized key/i);
    }
  });

  it("reads YAML and JSON, resolves paths relative to the file, rejects duplicate nodes", () => {
    const t = tempDir("gw-cfg-");
    try {
      const h = hashSecret("secret-1", { N: 1024 });
      writeFileSync(join(t.dir, "g.yaml"), `farm: demo\ngateway: gw1\ndataDir: ./d\nmqtt:\n  nodes:\n    - id: pit-1\n      passwordHash: "${h}"\nfacilities:\n  utcOffsetMin: 480\n`);
      const c = loadConfig(join(t.dir, "g.yaml"));
      expect(c.farm).toBe("demo");
      expect(c.store.path).toBe(join(t.dir, "d", "gateway.db"));
      expect(c.facilities).toEqual({ utcOffsetMin: 480 });
      // The rules engine's facilities schema is applied; its errors get the facilities. prefix.
      writeFileSync(join(t.dir, "f.yaml"), "facilities:\n  utcOffsetMin: east\n");
      expect(() => loadConfig(join(t.dir, "f.yaml"))).toThrow(/facilities\.utcOffsetMin: /);
      expect(verifySecret("secret-1", c.mqtt.nodes[0].passwordHash)).toBe(true);
      expect(verifySecret("secret-2", c.mqtt.nodes[0].passwordHash)).toBe(false);
      writeFileSync(join(t.dir, "g.json"), JSON.stringify({ mqtt: { nodes: [{ id: "a", passwordHash: h }, { id: "a", passwordHash: h }] } }));
      expect(() => loadConfig(join(t.dir, "g.json"))).toThrow(/mqtt\.nodes\[1\]\.id: duplicate/);
      writeFileSync(join(t.dir, "bad.yaml"), "farm: [unclosed");
      expect(() => loadConfig(join(t.dir, "bad.yaml"))).toThrow(/not valid YAML/);
      expect(() => loadConfig(join(t.dir, "none.yaml"))).toThrow(/file not found/);
    } finally {
      t.cleanup();
    }
  });
});
