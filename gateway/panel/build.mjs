// Bundles the operator panel (src/main.ts + styles + uPlot + catalogues) into dist/ with
// esbuild: one JS file and one CSS file, served by the gateway at / (no CDN: farms are often
// offline). Run by `npm run build -w gateway`; `--watch` rebuilds on change.
import { build, context } from "esbuild";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const options = {
  entryPoints: { app: here + "src/main.ts" },
  bundle: true,
  format: "esm",
  target: ["es2020", "chrome80", "safari13"],
  outdir: here + "dist",
  minify: !process.argv.includes("--dev"),
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
};

if (process.argv.includes("--watch")) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  const r = await build({ ...options, metafile: true });
  const out = Object.entries(r.metafile.outputs).filter(([f]) => !f.endsWith(".map")).map(([f, o]) => `${f.replace(here, "")} ${(o.bytes / 1024).toFixed(1)} KiB`);
  console.log("panel built: " + out.join(", "));
}
