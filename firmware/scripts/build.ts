/**
 * Builds dist/firmware.js, the file flashed onto an ESP32 running Espruino 2v2x.
 *
 *   npm run build -w firmware [-- --config node.json] [--maps id,id|all] [--out file]
 *                             [--status-every s] [--watchdog s]
 *
 * Pipeline known to run on the real interpreter (../shared/espruino.md):
 *   tsc 5.9 --target es5 --module es2015 (tsconfig.build.json: ES5 code, ES module
 *   syntax so that esbuild can drop what the firmware does not use; ../shared/espruino.md's
 *   variant is --module commonjs, which keeps all of protocol/ in the bundle)
 *   -> esbuild --bundle --format=iife --target=es5 (bundling only: the input is ES5 already)
 *   -> terser --compress defaults=false,hoist_funs=true + mangle (Espruino does not hoist)
 *   -> acorn parse as ES5 (the build fails otherwise)
 *   -> no reference to what Espruino lacks (Map, Set, Symbol, Array.from...; the build fails)
 * The configuration is embedded when --config is given, else read from Storage "node.json"
 * at boot; only the register maps it references are embedded (all of them without --config).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { minify, type MinifyOptions } from "terser";
import * as acorn from "acorn";
import { validateNodeConfig, validateRegisterMap, type RegisterMap } from "@manure-edge/protocol";
import { checkForbidden } from "./forbidden";
import { mangleNames } from "./mangle-names";
import { aliasThisAndPrototype } from "./es5-alias";
import { shortenMessages } from "./node-messages";
import { packMaps } from "../src/app/maps";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, "..");
const root = resolve(pkg, "..");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export const SIZE_TARGET = 24 * 1024;

/** terser's options for the bundle (also used by scripts/size-table.ts). */
export const TERSER_OPTIONS: MinifyOptions = {
  // Full compression, plus hoist_funs (Espruino does not hoist function declarations) and
  // without typeofs (`typeof E === "undefined"` must stay a typeof: E may be undeclared).
  ecma: 5, compress: { hoist_funs: true, typeofs: false, passes: 2 },
  // Private members are spelt with a leading "_" (firmware/src; test/boundary.test.ts checks that
  // every `private` member is): those names are mangled, and so are the firmware's own member
  // names that nothing outside the bundle spells (scripts/mangle-names.ts; set in stages()).
  // Wire, JSON, configuration and Espruino API names are left as they are.
  mangle: { properties: { regex: /^_/ } },
  format: { ecma: 5, ascii_only: true }, ie8: false,
};

/** Only what decoding needs: notes, descriptions, units and write-only points stay out (what the node gets from packMaps/unpackMaps). */
export function stripMap(m: RegisterMap): RegisterMap {
  const points = m.points.filter((p) => p.poll !== false).map((p) => {
    const q: Record<string, unknown> = { name: p.name, table: p.table, address: p.address, type: p.type };
    for (const k of ["order", "bit", "scale", "offset", "range", "sentinel"] as const) if (p[k] !== undefined) q[k] = p[k];
    return q as unknown as RegisterMap["points"][number];
  });
  const out: RegisterMap = { id: m.id, name: "", points };
  if (m.maxGap !== undefined) out.maxGap = m.maxGap;
  if (m.maxRegisters !== undefined) out.maxRegisters = m.maxRegisters;
  return out;
}

export interface BuildResult {
  file: string;
  bytes: number;
  maps: string[];
  /** Source map (when asked for), sources relative to tsc's output directory. */
  map?: { sources: string[]; mappings: string };
}

export interface BuildOptions {
  config?: string;
  /** Keep a source map of the minified bundle back to tsc's per-module output (scripts/size-table.ts). */
  sourceMap?: boolean;
  maps?: string;
  out?: string;
  /** Status message period, s (default 300). */
  statusEvery?: number;
  /** Watchdog timeout, s (default 30; 0 disables). */
  watchdog?: number;
}

export async function buildFirmware(opts: BuildOptions = {}): Promise<BuildResult> {
  const mapsDir = join(root, "protocol", "maps");
  const allMaps: Record<string, RegisterMap> = {};
  for (const f of readdirSync(mapsDir).filter((f) => f.endsWith(".json"))) {
    const v = validateRegisterMap(JSON.parse(readFileSync(join(mapsDir, f), "utf8")));
    if (!v.ok) throw new Error(`register map ${f}: ${v.path}: ${v.reason}`);
    allMaps[v.value.id] = v.value;
  }
  let config: unknown = null;
  let wanted = Object.keys(allMaps);
  if (opts.config) {
    config = JSON.parse(readFileSync(resolve(opts.config), "utf8"));
    const v = validateNodeConfig(config, Object.keys(allMaps));
    if (!v.ok) throw new Error(`--config ${opts.config}: ${v.path}: ${v.reason}`);
    wanted = [...new Set(v.value.devices.map((d) => d.map))];
  }
  if (opts.maps) wanted = opts.maps === "all" ? Object.keys(allMaps) : opts.maps.split(",");
  const maps: Record<string, RegisterMap> = {};
  for (const id of wanted) {
    if (!allMaps[id]) throw new Error(`--maps: no register map ${id}`);
    maps[id] = stripMap(allMaps[id]);
  }
  const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version as string;

  // 1. tsc to ES5 with ES module syntax.
  // A directory per build, so that tests may build in parallel.
  mkdirSync(join(pkg, "dist"), { recursive: true });
  const tscOut = mkdtempSync(join(pkg, "dist", "build-"));
  try {
    return await stages(tscOut, opts, config, maps, version);
  } finally {
    rmSync(tscOut, { recursive: true, force: true });
  }
}

async function stages(tscOut: string, opts: BuildOptions, config: unknown, maps: Record<string, RegisterMap>, version: string): Promise<BuildResult> {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(pkg, "tsconfig.build.json"), "--outDir", tscOut], { stdio: "inherit" });
  // 1b. `this` and `X.prototype` aliased in every module (scripts/es5-alias.ts).
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith(".js") ? [join(d, e.name)] : []));
  // and protocol's messages the node never reads shortened (scripts/node-messages.ts).
  let shortened = 0;
  for (const f of walk(tscOut)) {
    const m = shortenMessages(relative(tscOut, f).split("\\").join("/"), readFileSync(f, "utf8"));
    shortened += m.replaced;
    writeFileSync(f, aliasThisAndPrototype(m.code));
  }
  if (shortened < 10) throw new Error("node-messages: only " + shortened + " messages found to shorten (has protocol changed?)");
  const embedded = join(tscOut, "firmware", "src", "embedded.js");
  writeFileSync(embedded, [
    "export var EMBEDDED_CONFIG = " + JSON.stringify(config) + ";",
    // Packed (src/app/maps.ts): arrays instead of objects with long keys, unpacked at boot.
    "import { unpackMaps } from \"./app/maps\";",
    "export var EMBEDDED_MAPS = unpackMaps(" + JSON.stringify(packMaps(Object.keys(maps).map((id) => maps[id]))) + ");",
    "export var FW_VERSION = " + JSON.stringify(version) + ";",
    // Without a configuration (read from Storage) a node may have a GPS; with one, only if it says so.
    "export var HAS_GPS = " + JSON.stringify(config === null || (config as { gps?: unknown }).gps !== undefined) + ";",
    // The same for the W5500 Ethernet link: only with net.type "w5500", or without a configuration.
    "export var HAS_W5500 = " + JSON.stringify(config === null || ((config as { net?: { type?: string } }).net || {}).type === "w5500") + ";",
    "export var EMBEDDED_OPTIONS = " + JSON.stringify({ statusEvery: opts.statusEvery, watchdog: opts.watchdog }) + ";",
  ].join("\n") + "\n");

  // 2. esbuild: bundle only.
  const bundled = await build({
    entryPoints: [join(tscOut, "firmware", "src", "main.js")],
    bundle: true, format: "iife", target: "es5", platform: "neutral", write: false, minify: false,
    sourcemap: opts.sourceMap ? "external" : false, sourceRoot: "", outfile: join(tscOut, "bundle.js"), sourcesContent: false,
    alias: { "@manure-edge/protocol": join(tscOut, "protocol", "src", "index.js") },
    mainFields: ["main"], logLevel: "error",
  });
  const code = bundled.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
  const esMap = bundled.outputFiles.find((f) => f.path.endsWith(".map"))?.text;

  // 3. terser: hoist functions (Espruino has no hoisting), no other compression by default.
  const names = mangleNames().mangle;
  const terserOptions: MinifyOptions = { ...TERSER_OPTIONS, mangle: { properties: { regex: new RegExp("^(_|(" + names.join("|") + ")$)") } } };
  if (esMap) terserOptions.sourceMap = { content: esMap, asObject: true };
  const min = await minify(code, terserOptions);
  if (!min.code) throw new Error("terser produced nothing");

  // 4. The bundle's own syntax must be ES5.
  let ast: acorn.Node;
  try {
    ast = acorn.parse(min.code, { ecmaVersion: 5, sourceType: "script" });
  } catch (e) {
    throw new Error("bundle is not ES5: " + (e as Error).message);
  }
  // 5. Nothing Espruino lacks.
  const bad = checkForbidden(ast);
  if (bad.length) throw new Error("bundle references what Espruino lacks: " + bad.join(", "));

  const out = resolve(opts.out ?? join(pkg, "dist", "firmware.js"));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, min.code);
  const map = min.map && typeof min.map === "object" ? (min.map as unknown as { sources: string[]; mappings: string }) : undefined;
  return { file: out, bytes: Buffer.byteLength(min.code), maps: Object.keys(maps), map };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const num = (n: string) => (arg(n) === undefined ? undefined : Number(arg(n)));
  buildFirmware({ config: arg("config"), maps: arg("maps"), out: arg("out"), statusEvery: num("status-every"), watchdog: num("watchdog") }).then(
    (r) => {
      const kb = (r.bytes / 1024).toFixed(1);
      console.log(`firmware: ${r.file} ${r.bytes} bytes (${kb} KB; target <= ${SIZE_TARGET / 1024} KB${r.bytes > SIZE_TARGET ? ", OVER TARGET" : ""}); maps: ${r.maps.join(", ")}`);
    },
    (e) => {
      console.error("firmware build failed: " + (e as Error).message);
      process.exit(1);
    },
  );
}
