import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkScenario } from "./simulation";
import type { Scenario } from "./types";

/** hil-sim/scenarios/, where the shipped scenarios live. */
export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../scenarios");

/** Names of the shipped scenarios (file names without .json). */
export function listScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** A path, or the name of a shipped scenario. */
export function resolveScenario(nameOrPath: string): string {
  if (existsSync(nameOrPath)) return nameOrPath;
  const shipped = join(SCENARIO_DIR, nameOrPath.endsWith(".json") ? nameOrPath : `${nameOrPath}.json`);
  if (existsSync(shipped)) return shipped;
  throw new Error(`no scenario "${nameOrPath}" (not a file; shipped: ${listScenarios().join(", ")})`);
}

/** Reads and validates a scenario file; errors name the file, the JSON path and the reason. */
export function loadScenario(nameOrPath: string): Scenario {
  const path = resolveScenario(nameOrPath);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  try {
    return checkScenario(json);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
