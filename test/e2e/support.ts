import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadScenario, resolveScenario } from "../../hil-sim/src/scenario/load";
import type { Scenario } from "../../hil-sim/src/scenario/types";
import { Rig, type RigOptions } from "../../hil-sim/src/rig/rig";
import { ensureFirmwareBundle } from "../../hil-sim/src/rig/firmware-bundle";

/** Long spans (a simulated week and more per scenario) only when asked: E2E_LONG=1. */
export const LONG = process.env.E2E_LONG === "1";

/**
 * A shipped scenario, optionally edited (a copy: the file is not touched). An edited one is
 * validated after the edit (by the Rig), so a variant can replace what the file has.
 */
export function scenario(name: string, edit?: (s: Scenario) => void): Scenario {
  if (!edit) return loadScenario(name);
  const s = JSON.parse(readFileSync(resolveScenario(name), "utf8")) as Scenario;
  edit(s);
  return s;
}

/** Builds the bundle once per test file if it is missing or older than its sources. */
export function bundleReady(): void {
  ensureFirmwareBundle();
}

export async function withRig<T>(s: Scenario, opts: RigOptions, fn: (rig: Rig) => Promise<T>): Promise<T> {
  const rig = new Rig(s, opts);
  try {
    await rig.startRig();
    return await fn(rig);
  } finally {
    await rig.stop();
  }
}

export function sha256(x: unknown): string {
  return createHash("sha256").update(JSON.stringify(x)).digest("hex");
}

/** No node printed an uncaught error and the clock never gave a message up. */
export function healthyRun(rig: Rig): string[] {
  const out: string[] = [];
  for (const n of rig.nodes.values()) for (const e of n.runtime.uncaughtErrors) out.push(`${n.id}: ${e.text}`);
  if (rig.clock.stats.ioWaitTimeouts > 0) out.push(`clock gave up waiting for real I/O ${rig.clock.stats.ioWaitTimeouts} times`);
  return out;
}
