// ES5 build of @manure-edge/protocol, checked for the Espruino subset (see
// ../shared/espruino.md, "A compile pipeline known to run"):
//   1. tsc 5.9 --target ES5 --module commonjs       src -> <out>/es5/*.js
//   2. esbuild --bundle --format=iife --target=es5   -> one file, global "Protocol"
//      (esbuild only bundles: its input is already ES5)
//   3. terser --compress defaults=false,hoist_funs=true  (function declarations first:
//      Espruino does not hoist)
//   4. acorn, ecmaVersion 5: the bundle must parse as ES5, else the build fails.
// Usage: node scripts/build.mjs [--out <dir>]   (default protocol/dist)
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, "..");
const outArg = process.argv.indexOf("--out");
const out = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(pkg, "dist");
const es5Dir = join(out, "es5");

function fail(msg) {
  console.error("protocol build FAILED: " + msg);
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. TypeScript -> ES5 CommonJS, with the package's Espruino-subset lib (tsconfig.json).
const tsc = require.resolve("typescript/bin/tsc");
try {
  execFileSync(
    process.execPath,
    [tsc, "-p", join(pkg, "tsconfig.json"), "--noEmit", "false", "--target", "ES5", "--module", "commonjs", "--moduleResolution", "node10", "--outDir", es5Dir, "--declaration", "false", "--sourceMap", "false", "--ignoreDeprecations", "5.0"],
    { stdio: "inherit" },
  );
} catch {
  fail("tsc reported errors");
}

// tsc emitted CommonJS inside a "type": "module" package: say so, for esbuild and node.
writeFileSync(join(es5Dir, "package.json"), '{ "type": "commonjs" }\n');

// 2. Bundle.
const esbuild = require("esbuild");
const bundled = join(out, "protocol.bundle.js");
try {
  esbuild.buildSync({
    entryPoints: [join(es5Dir, "index.js")],
    bundle: true,
    format: "iife",
    target: "es5",
    globalName: "Protocol",
    outfile: bundled,
    logLevel: "warning",
    legalComments: "none",
  });
} catch (e) {
  fail("esbuild: " + e.message);
}

// 3. terser: hoist function declarations, no other transformation.
const { minify } = require("terser");
const min = await minify(readFileSync(bundled, "utf8"), {
  compress: { defaults: false, hoist_funs: true },
  mangle: false,
  ecma: 5,
  format: { comments: false, ecma: 5 },
});
if (!min.code) fail("terser produced nothing");
const final = join(out, "protocol.js");
writeFileSync(final, min.code);

// 4. The bundle must be ES5.
const acorn = require("acorn");
try {
  acorn.parse(min.code, { ecmaVersion: 5, sourceType: "script" });
} catch (e) {
  const pos = e.pos || 0;
  fail("bundle is not ES5: " + e.message + " near: " + JSON.stringify(min.code.slice(Math.max(0, pos - 60), pos + 60)));
}
// Espruino's regex engine has no {n,m} quantifiers, (?:...) groups, lookaround or
// backreferences: refuse them in any regex literal of the bundle.
const FORBIDDEN_RE = [
  [/\{\d+(,\d*)?\}/, "{n,m} quantifier"],
  [/\(\?[:=!<]/, "(?:), lookahead or lookbehind"],
  [/\\[1-9]/, "backreference"],
];
for (const tok of acorn.tokenizer(min.code, { ecmaVersion: 5 })) {
  if (tok.type !== acorn.tokTypes.regexp) continue;
  const pattern = tok.value.pattern;
  for (const [re, what] of FORBIDDEN_RE) {
    if (re.test(pattern)) fail("regex /" + pattern + "/ uses " + what + ", which Espruino lacks");
  }
}
console.log("protocol: " + final + " (" + min.code.length + " bytes, parses as ES5)");
