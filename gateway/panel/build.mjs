// Bundles the operator panel (src/main.ts + styles + uPlot + catalogues) into dist/ with
// esbuild: one JS file and one CSS file, served by the gateway at / (no CDN: farms are often
// offline). Run by `npm run build -w gateway` (or build:panel); `--watch` rebuilds on change.
import { build, context } from "esbuild";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

function options(dev) {
  return {
    entryPoints: { app: here + "src/main.ts" },
    bundle: true,
    format: "esm",
    // Phones in use on farms: Chrome/WebView and Safari of the last few years.
    target: "es2020",
    outdir: here + "dist",
    minify: !dev,
    sourcemap: true,
    logLevel: "warning",
  };
}

/** Builds dist/app.js and dist/app.css; returns their sizes in bytes. */
export async function buildPanel(dev = false) {
  const r = await build({ ...options(dev), metafile: true });
  return Object.fromEntries(Object.entries(r.metafile.outputs).filter(([f]) => !f.endsWith(".map")).map(([f, o]) => [f.split("/").pop(), o.bytes]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--watch")) {
    const ctx = await context(options(true));
    await ctx.watch();
  } else {
    const sizes = await buildPanel(process.argv.includes("--dev"));
    console.log("panel built: " + Object.entries(sizes).map(([f, b]) => `${f} ${(b / 1024).toFixed(1)} KiB`).join(", "));
  }
}
