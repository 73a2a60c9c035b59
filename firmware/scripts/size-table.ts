/**
 * Where the bundle's bytes go: `npm run size -w firmware [-- --config node.json] [--maps ...]`.
 *
 * Builds exactly like scripts/build.ts (same options; default: configuration from Storage, all
 * maps) with a source map carried through esbuild and terser, then gives every byte of the
 * minified bundle to the module its source-map segment comes from (a segment runs up to the
 * next one). So the figures are the module's real minified bytes in this bundle, after tree
 * shaking, mangling and compression; bytes no segment covers (the iife wrapper, separators
 * terser adds between statements) are "(glue)". Also prints the longest string literals.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as acorn from "acorn";
import { buildFirmware, SIZE_TARGET } from "./build";

const pkg = resolve(fileURLToPath(import.meta.url), "..", "..");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Source Map v3 "mappings": per generated line, segments [column, source index or -1]. */
export function decodeMappings(mappings: string): [number, number][][] {
  const lines: [number, number][][] = [];
  let src = 0;
  for (const line of mappings.split(";")) {
    const segs: [number, number][] = [];
    let col = 0;
    for (const seg of line.split(",")) {
      if (!seg) continue;
      const fields: number[] = [];
      let value = 0, shift = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      col += fields[0];
      if (fields.length >= 4) {
        src += fields[1];
        segs.push([col, src]);
      } else segs.push([col, -1]);
    }
    lines.push(segs);
  }
  return lines;
}

async function main() {
  const tmp = mkdtempSync(join(pkg, "dist", "size-"));
  try {
    const out = join(tmp, "fw.js");
    const r = await buildFirmware({ config: arg("config"), maps: arg("maps"), out, sourceMap: true });
    const code = readFileSync(out, "utf8");
    const lines = code.split("\n");
    const per = new Map<string, number>();
    const add = (k: string, n: number) => per.set(k, (per.get(k) ?? 0) + n);
    const segs = decodeMappings(r.map!.mappings);
    for (let l = 0; l < lines.length; l++) {
      const s = segs[l] ?? [];
      const len = lines[l].length + (l < lines.length - 1 ? 1 : 0);
      let covered = 0;
      for (let i = 0; i < s.length; i++) {
        const end = i + 1 < s.length ? s[i + 1][0] : len;
        const name = s[i][1] >= 0 ? r.map!.sources[s[i][1]].replace(/^(\.\.\/)+/, "").replace(/\.js$/, "") : "(glue)";
        add(name, end - s[i][0]);
        covered += end - s[i][0];
      }
      add("(glue)", len - covered);
    }
    const rows = [...per.entries()].sort((a, b) => b[1] - a[1]);
    const total = rows.reduce((s, x) => s + x[1], 0);
    console.log(`bundle: ${r.bytes} bytes (${(r.bytes / 1024).toFixed(1)} KB, target ${SIZE_TARGET / 1024} KB); maps: ${r.maps.join(", ")}`);
    console.log("| module | minified bytes | share |");
    console.log("|---|---:|---:|");
    for (const [m, n] of rows) console.log(`| ${m} | ${n} | ${((100 * n) / total).toFixed(1)} % |`);
    console.log(`| total | ${total} | |`);

    // String literals: what they cost, the longest ones.
    const strings: string[] = [];
    const visit = (n: unknown): void => {
      if (!n || typeof n !== "object") return;
      if (Array.isArray(n)) return n.forEach(visit);
      const node = n as Record<string, unknown>;
      if (node.type === "Literal" && typeof node.value === "string") strings.push(node.raw as string);
      for (const k of Object.keys(node)) if (k !== "type") visit(node[k]);
    };
    visit(acorn.parse(code, { ecmaVersion: 5 }));
    const strBytes = strings.reduce((s, x) => s + x.length, 0);
    console.log(`string literals: ${strings.length}, ${strBytes} bytes; longest:`);
    for (const x of [...strings].sort((a, b) => b.length - a.length).slice(0, Number(arg("strings") ?? 15))) console.log("  " + x.length + " " + x.slice(0, 100));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
