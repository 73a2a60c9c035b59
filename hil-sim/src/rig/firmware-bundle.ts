import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const BUNDLE_PATH = join(REPO_ROOT, "firmware", "dist", "firmware.js");

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p));
    else if (/\.(ts|json)$/.test(e.name) && !e.name.endsWith(".test.ts")) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Is firmware/dist/firmware.js older than a firmware or protocol source, a register map or the build script? */
export function bundleOutdated(): boolean {
  if (!existsSync(BUNDLE_PATH)) return true;
  const built = statSync(BUNDLE_PATH).mtimeMs;
  const sources = Math.max(
    newestMtime(join(REPO_ROOT, "firmware", "src")),
    newestMtime(join(REPO_ROOT, "firmware", "scripts")),
    newestMtime(join(REPO_ROOT, "protocol", "src")),
    newestMtime(join(REPO_ROOT, "protocol", "maps")),
  );
  return sources > built;
}

/**
 * The bundle that would be flashed (configuration from Storage node.json, every register map):
 * built with firmware/scripts/build.ts (`npm run build -w firmware`) when missing or older than
 * its sources. Returns its path.
 */
export function ensureFirmwareBundle(log: (s: string) => void = () => undefined): string {
  if (bundleOutdated()) {
    log("building the firmware bundle (npm run build -w firmware)…");
    // Built beside it and renamed into place (atomic on one file system): test workers that
    // build at the same time never read a half-written bundle.
    const tmp = join(REPO_ROOT, "firmware", "dist", `.firmware.${process.pid}.js`);
    try {
      execFileSync(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "firmware", "scripts", "build.ts"), "--out", tmp], { cwd: REPO_ROOT, stdio: "pipe" });
      renameSync(tmp, BUNDLE_PATH);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return BUNDLE_PATH;
}
