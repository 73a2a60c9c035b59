import { readFileSync, existsSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { parse as parseYaml } from "yaml";
import { configSchema, type GatewayConfig } from "./schema";
import { FacilitiesConfigError, parseFacilities } from "../rules/config";

export class ConfigError extends Error {
  constructor(
    readonly file: string | null,
    readonly problems: { path: string; reason: string }[],
  ) {
    super((file ? file + ": " : "") + problems.map((p) => `${p.path || "(root)"}: ${p.reason}`).join("; "));
    this.name = "ConfigError";
  }
}

/** Validates a parsed config object; errors name the path (a.b[2].c) and the reason. */
export function parseConfig(input: unknown, file: string | null = null): GatewayConfig {
  const r = configSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new ConfigError(
      file,
      r.error.issues.map((i) => ({ path: formatPath(i.path), reason: i.message })),
    );
  }
  const cfg = r.data;
  // Relative paths in a file are relative to the file, so `farm-gateway start -c /etc/x.yaml`
  // does not depend on the working directory.
  const base = file ? dirname(resolve(file)) : process.cwd();
  cfg.dataDir = resolve(base, cfg.dataDir);
  cfg.store.path = cfg.store.path ? resolve(base, cfg.store.path) : join(cfg.dataDir, "gateway.db");
  if (cfg.facilities !== undefined) {
    // The rules engine owns the facilities schema; its errors join ours with the path prefixed.
    try {
      parseFacilities(cfg.facilities);
    } catch (e) {
      if (!(e instanceof FacilitiesConfigError)) throw e;
      throw new ConfigError(file, e.issues.map((i) => ({ path: "facilities" + (i.path ? "." + i.path : ""), reason: i.message })));
    }
  }
  const nodeIds = new Set<string>();
  for (const [i, n] of cfg.mqtt.nodes.entries()) {
    if (nodeIds.has(n.id)) throw new ConfigError(file, [{ path: `mqtt.nodes[${i}].id`, reason: `duplicate node id "${n.id}"` }]);
    if (n.id === cfg.gateway) throw new ConfigError(file, [{ path: `mqtt.nodes[${i}].id`, reason: `"${n.id}" is the gateway's own id (used for directly polled sensors)` }]);
    nodeIds.add(n.id);
  }
  return cfg;
}

function formatPath(path: PropertyKey[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : (s ? "." : "") + String(p);
  return s;
}

/** Reads a YAML (.yaml/.yml) or JSON file; with no file, the embedded defaults. */
export function loadConfig(file?: string): GatewayConfig {
  if (!file) return parseConfig({});
  if (!existsSync(file)) throw new ConfigError(file, [{ path: "", reason: "file not found" }]);
  const text = readFileSync(file, "utf8");
  let data: unknown;
  try {
    data = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(file, [{ path: "", reason: "not valid " + (/\.json$/i.test(file) ? "JSON" : "YAML") + ": " + (e as Error).message }]);
  }
  return parseConfig(data, file);
}
