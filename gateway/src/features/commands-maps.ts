import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { loadRegisterMap } from "./register-maps";

const require = createRequire(import.meta.url);

/**
 * The register map ids the gateway knows: every protocol/maps/<id>.json that validates (the
 * same files the direct poller loads). A configuration pushed to a node may name only these;
 * the node checks again against the maps built into its firmware.
 */
export function knownRegisterMaps(): string[] {
  let dir: string;
  try {
    dir = dirname(require.resolve("@manure-edge/protocol/maps/ultrasonic-level.json"));
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".json")) continue;
    const id = f.slice(0, -5);
    try {
      loadRegisterMap(id);
      ids.push(id);
    } catch {
      /* an invalid map file is not offered */
    }
  }
  return ids;
}
