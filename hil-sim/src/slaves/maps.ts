import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ID_RE = /^[A-Za-z0-9_-]{1,32}$/;

/** The JSON of protocol/maps/<id>.json (validated by SimSlave). */
export function loadMapJson(id: string): unknown {
  if (!ID_RE.test(id)) throw new Error(`register map id "${id}" is not [A-Za-z0-9_-]{1,32}`);
  let path: string;
  try {
    path = require.resolve(`@manure-edge/protocol/maps/${id}.json`);
  } catch {
    throw new Error(`no register map "${id}" in protocol/maps/`);
  }
  return JSON.parse(readFileSync(path, "utf8")) as unknown;
}
