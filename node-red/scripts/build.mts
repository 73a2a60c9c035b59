/**
 * Builds the Node-RED module (an .mts file: the package is CommonJS, as Node-RED loads it, and this script is ESM): dist/manure-edge.js (CommonJS, Node 20, with protocol/ and the
 * register maps bundled in: Node-RED loads the file from a user directory where our workspace
 * packages are not installed) and dist/manure-edge.html (the editor side, with the map list).
 *
 *   npm run build -w node-red
 *
 * The shipped maps (protocol/maps/*.json) are validated here; an invalid one fails the build.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { validateRegisterMap, type RegisterMap } from "@manure-edge/protocol";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const mapsDir = resolve(pkg, "..", "protocol", "maps");

export function shippedMaps(): RegisterMap[] {
  return readdirSync(mapsDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const r = validateRegisterMap(JSON.parse(readFileSync(join(mapsDir, f), "utf8")));
      if (!r.ok) throw new Error(`register map ${f}: ${r.path}: ${r.reason}`);
      return r.value;
    });
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Builds into `out` (default node-red/dist); returns the module file. */
export async function buildNodeRed(out = join(pkg, "dist")): Promise<string> {
  const maps = shippedMaps();
  mkdirSync(out, { recursive: true });
  const file = join(out, "manure-edge.js");
  await build({
    entryPoints: [join(pkg, "src", "index.ts")],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "warning",
    // Node-RED calls module.exports(RED): unwrap esbuild's `exports.default`.
    footer: { js: "module.exports = module.exports.default;" },
    plugins: [
      {
        name: "manure-edge-maps",
        setup(b) {
          b.onResolve({ filter: /^manure-edge:maps$/ }, (a) => ({ path: a.path, namespace: "manure-edge-maps" }));
          b.onLoad({ filter: /.*/, namespace: "manure-edge-maps" }, () => ({ contents: JSON.stringify(maps), loader: "json" }));
        },
      },
    ],
  });
  const options = maps.map((m) => `<option value="${escapeHtml(m.id)}">${escapeHtml(m.id)}: ${escapeHtml(m.name)}</option>`).join("\n    ");
  const html = readFileSync(join(pkg, "src", "manure-edge.html"), "utf8");
  if (!html.includes("<!-- MAP_OPTIONS -->")) throw new Error("src/manure-edge.html lost its MAP_OPTIONS placeholder");
  writeFileSync(join(out, "manure-edge.html"), html.replace("<!-- MAP_OPTIONS -->", options));
  return file;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = await buildNodeRed();
  console.log(`node-red: ${file} (${readFileSync(file).length} bytes), ${shippedMaps().length} register maps`);
}
