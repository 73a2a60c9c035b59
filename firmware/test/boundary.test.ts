/**
 * The hardware boundary: only src/hw/espruino.ts touches Espruino's globals; everything else
 * takes the interfaces of src/hw/types.ts (and a Clock), so it runs under vitest.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");
const ALLOWED = new Set(["hw/espruino.ts", "hw/espruino-extra.d.ts"]);
const GLOBALS = [
  /\bSerial[1-6]\b/, /\bdigitalWrite\b/, /\bdigitalRead\b/, /\bpinMode\b/, /\bE\./, /\brequire\(/, /\bprocess\./,
  // bare timer calls (a Clock's methods, clock.setTimeout(...), are the way)
  /(?<![.\w])setTimeout\(/, /(?<![.\w])setInterval\(/, /(?<![.\w])clearTimeout\(/, /(?<![.\w])clearInterval\(/,
  /\bDate\.now\(/, /(?<![.\w])getTime\(/, /\bESP32\b/, /\bglobal\b/,
  /\bconsole\./,
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

describe("hardware boundary", () => {
  it("no source file but hw/espruino.ts uses Espruino globals, timers or the wall clock", () => {
    const offenders: string[] = [];
    for (const f of files(SRC)) {
      const rel = relative(SRC, f).split("\\").join("/");
      if (ALLOWED.has(rel)) continue;
      // Comments may name them; code may not.
      const code = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      for (const re of GLOBALS) if (re.test(code)) offenders.push(rel + ": " + re.source);
    }
    expect(offenders).toEqual([]);
    // and the boundary module is really used by the entry point only
    expect(readFileSync(join(SRC, "main.ts"), "utf8")).toContain('from "./hw/espruino"');
  });
});

describe("names the build may mangle", () => {
  it("every private member is spelt with a leading _ (terser mangles /^_/ properties), and nothing else is", () => {
    const bad: string[] = [];
    for (const f of files(SRC)) {
      const code = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      for (const m of code.matchAll(/\bprivate\s+(?:readonly\s+)?(?!readonly\b)([A-Za-z$][\w$]*)/g)) bad.push(relative(SRC, f) + ": private " + m[1]);
      // A public name or a string starting with "_" would be mangled too (wire/JSON/Espruino names must survive).
      for (const m of code.matchAll(/(?:\bpublic\s+|["'`])(_\w+)/g)) bad.push(relative(SRC, f) + ": " + m[1]);
    }
    expect(bad).toEqual([]);
  });
});
