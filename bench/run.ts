/**
 * `npm run bench`: runs every package's benchmarks one after another (never in parallel, so
 * they do not steal each other's cores) and prints their tables. Each benchmark measures its
 * own baseline in the same run; this runner only sequences them and reports failures.
 *
 *   npm run bench                 all benchmarks
 *   npm run bench -- gateway      only files whose path contains "gateway"
 */
import { spawnSync } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const packages = ["protocol", "firmware", "hil-sim", "gateway"];
const filter = process.argv.slice(2);

const files: string[] = [];
for (const pkg of packages) {
  const dir = join(root, pkg, "bench");
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) {
    // A package may have its own runner (bench/run.ts) that sequences its files: use only that.
    if (!f.endsWith(".ts") || f.endsWith(".d.ts")) continue;
    const full = join(dir, f);
    files.push(full);
  }
}
const perPackageRunner = new Set(files.filter((f) => f.endsWith("/run.ts")).map((f) => f.slice(0, f.lastIndexOf("/"))));
const selected = files
  .filter((f) => !perPackageRunner.has(f.slice(0, f.lastIndexOf("/"))) || f.endsWith("/run.ts"))
  .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));

const failed: string[] = [];
for (const f of selected) {
  const name = relative(root, f);
  console.log(`\n## ${name}\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", f], { cwd: join(f, "..", ".."), stdio: "inherit", env: process.env });
  if (r.status !== 0) failed.push(`${name} (exit ${r.status ?? r.signal})`);
}
console.log(`\nbenchmarks run: ${selected.length}, failed: ${failed.length}`);
if (failed.length) {
  for (const f of failed) console.log(`  failed: ${f}`);
  process.exitCode = 1;
}
