import { createRequire } from "node:module";
import helper from "node-red-node-test-helper";
import { buildNodeRed } from "../scripts/build.mts";

const require = createRequire(import.meta.url);

/** Builds dist/ (a clean clone has none) and loads the module Node-RED would load. */
export async function loadModule(): Promise<unknown> {
  const file = await buildNodeRed();
  delete require.cache[file];
  return require(file) as unknown;
}

/** node-red-node-test-helper on the real Node-RED 4 runtime of node_modules. */
export function initHelper(settings?: Record<string, unknown>) {
  helper.init(require.resolve("node-red"), settings);
  return Object.assign(helper, {
    /**
     * Opens the context stores of the settings' contextStorage, which the helper's load()
     * leaves at Node-RED's unconfigured default (the runtime's start does this).
     */
    loadContextStores: (): Promise<void> => (helper as unknown as { _context: { load(): Promise<void> } })._context.load(),
  });
}

export interface Call {
  args: unknown[];
}

/** Messages and node.error calls of a node (the helper's spies re-emit every call as `call:<method>`). */
export function record(node: { on(ev: string, fn: (x: unknown) => void): void }) {
  const rec = { msgs: [] as Record<string, unknown>[], errors: [] as string[], statuses: [] as { fill?: string; text?: string }[] };
  node.on("input", (m) => rec.msgs.push(m as Record<string, unknown>));
  node.on("call:error", (c) => {
    const e = (c as Call).args[0];
    rec.errors.push(e instanceof Error ? e.message : String(e));
  });
  node.on("call:status", (c) => rec.statuses.push((c as Call).args[0] as { fill?: string; text?: string }));
  return rec;
}

/** Polls `pred` every 20 ms until it holds (or fails after `ms`). */
export async function until(pred: () => boolean, ms = 30_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
