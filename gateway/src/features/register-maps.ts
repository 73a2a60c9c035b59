import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { validateRegisterMap, type RegisterMap } from "@manure-edge/protocol";

const require = createRequire(import.meta.url);

/** Loads and validates protocol/maps/<id>.json; the error names the map, field and reason. */
export function loadRegisterMap(id: string): RegisterMap {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error(`register map id "${id}" is not valid`);
  let file: string;
  try {
    file = require.resolve(`@manure-edge/protocol/maps/${id}.json`);
  } catch {
    throw new Error(`register map "${id}" not found in protocol/maps`);
  }
  const r = validateRegisterMap(JSON.parse(readFileSync(file, "utf8")));
  if (!r.ok) throw new Error(`register map "${id}": ${r.path}: ${r.reason}`);
  return r.value;
}
