/**
 * Which configuration a node runs: Storage "node.json" (written by a cmd "config" push, or
 * with the espruino CLI's --storage) wins over the one embedded at build time, so that a
 * pushed configuration survives a reboot. Both are checked with checkConfig (protocol's
 * validateNodeConfig's verdicts, shorter reasons).
 */
import type { NodeConfig } from "@manure-edge/protocol";
import { checkConfig } from "./check-config";
import type { Storage } from "../hw/types";

export const CONFIG_FILE = "node.json";

export interface LoadedConfig {
  cfg: NodeConfig | null;
  source: "storage" | "embedded" | "none";
  /** Why a candidate was refused (for the log). */
  errors: string[];
}

export function loadConfig(st: Storage, embedded: unknown, maps: string[]): LoadedConfig {
  const errors: string[] = [];
  const stored = st.read(CONFIG_FILE);
  if (stored !== undefined) {
    let json: unknown = null;
    try {
      json = JSON.parse(stored);
    } catch {
      errors.push(CONFIG_FILE + ": not JSON");
    }
    if (json !== null) {
      const v = checkConfig(json, maps);
      if (v.ok) return { cfg: v.value, source: "storage", errors: errors };
      errors.push(CONFIG_FILE + ": " + v.path + ": " + v.reason);
    }
  }
  if (embedded) {
    const v = checkConfig(embedded, maps);
    if (v.ok) return { cfg: v.value, source: "embedded", errors: errors };
    errors.push("embedded: " + v.path + ": " + v.reason);
  }
  return { cfg: null, source: "none", errors: errors };
}
