/**
 * Where the bundle's bytes go: `npm run size -w firmware`.
 *
 * Bundles like scripts/build.ts (configuration from Storage, all maps) with an esbuild
 * metafile, then prints, per module that reaches the bundle, its ES5 bytes in the bundle
 * (only the parts esbuild kept) and its share of the minified bundle, estimated in proportion
 * (terser minifies the whole bundle, so a per-module minified size does not exist as such).
 * Modules esbuild left out (tree shaking) are listed as such.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { minify } from "terser";
import { TERSER_OPTIONS } from "./build";

const pkg = resolve(fileURLToPath(import.meta.url), "..", "..");
const root = resolve(pkg, "..");
const tmp = mkdtempSync(join(pkg, "dist", "size-"));
try {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(pkg, "tsconfig.build.json"), "--outDir", tmp], { stdio: "inherit" });
  writeFileSync(join(tmp, "firmware", "src", "embedded.js"), "export var EMBEDDED_CONFIG = null;\nexport var EMBEDDED_MAPS = {};\nexport var FW_VERSION = \"0\";\nexport var EMBEDDED_OPTIONS = {};\n");
  const r = await build({
    entryPoints: [join(tmp, "firmware", "src", "main.js")], bundle: true, format: "iife", target: "es5", platform: "neutral",
    write: false, metafile: true, alias: { "@manure-edge/protocol": join(tmp, "protocol", "src", "index.js") }, mainFields: ["main"], logLevel: "error",
  });
  const inOutput = Object.values(r.metafile.outputs)[0].inputs;
  const rows: { mod: string; es5: number }[] = [];
  const omitted: string[] = [];
  for (const f of Object.keys(r.metafile.inputs)) {
    const mod = relative(tmp, resolve(f));
    const used = inOutput[f]?.bytesInOutput ?? 0;
    if (used) rows.push({ mod, es5: used });
    else omitted.push(mod);
  }
  const minified = (await minify(r.outputFiles[0].text, TERSER_OPTIONS)).code ?? "";
  rows.sort((a, b) => b.es5 - a.es5);
  const total = rows.reduce((s, x) => s + x.es5, 0);
  const est = (n: number) => Math.round((n * minified.length) / total);
  console.log("| module | ES5 bytes in bundle | share | minified (est.) |");
  console.log("|---|---:|---:|---:|");
  for (const x of rows) console.log(`| ${x.mod} | ${x.es5} | ${((100 * x.es5) / total).toFixed(1)} % | ${est(x.es5)} |`);
  console.log(`| total (no maps embedded) | ${total} | | ${minified.length} |`);
  console.log("left out by tree shaking: " + (omitted.filter((m) => !m.endsWith("index.js")).join(", ") || "none"));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
