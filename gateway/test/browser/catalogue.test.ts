import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The panel's message catalogues and the rule behind them: every user-visible string comes
 * from gateway/panel/i18n/*.json. Checked statically on the sources (TypeScript's parser), so
 * a string hard-coded in a view fails here before any browser runs.
 */
const PANEL = fileURLToPath(new URL("../../panel/", import.meta.url));
const RULES = fileURLToPath(new URL("../../src/rules/", import.meta.url));
const zh = JSON.parse(readFileSync(join(PANEL, "i18n/zh-CN.json"), "utf8")) as Record<string, string>;
const en = JSON.parse(readFileSync(join(PANEL, "i18n/en.json"), "utf8")) as Record<string, string>;

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (p.endsWith(ext) && !p.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const sources = files(join(PANEL, "src"), ".ts").map((f) => ({ file: f.slice(PANEL.length), sf: ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.ES2022, true) }));

function walk(n: ts.Node, f: (n: ts.Node) => void): void {
  f(n);
  n.forEachChild((c) => walk(c, f));
}

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const LETTER = /\p{L}/u;

describe("message catalogues", () => {
  it("have the same keys in zh-CN and en, none empty, with the same placeholders", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const k of Object.keys(zh)) {
      expect(zh[k].trim(), k).not.toBe("");
      expect(en[k].trim(), k).not.toBe("");
      expect(placeholders(zh[k]), k).toEqual(placeholders(en[k]));
    }
  });

  it("hold every key the panel asks for (static keys exactly, dynamic keys by prefix)", () => {
    const missing: string[] = [];
    for (const { file, sf } of sources) {
      walk(sf, (n) => {
        if (!ts.isCallExpression(n) || !ts.isIdentifier(n.expression) || n.expression.text !== "t") return;
        const keys: ts.Node[] = [];
        const arg = n.arguments[0];
        if (!arg) return;
        // t(cond ? "a" : "b") asks for both.
        if (ts.isConditionalExpression(arg)) keys.push(arg.whenTrue, arg.whenFalse);
        else keys.push(arg);
        for (const k of keys) {
          if (ts.isStringLiteral(k) && !(k.text in en)) missing.push(`${file}: ${k.text}`);
          if (ts.isTemplateExpression(k) && !Object.keys(en).some((x) => x.startsWith(k.head.text))) missing.push(`${file}: ${k.head.text}*`);
        }
      });
    }
    expect(missing).toEqual([]);
  });

  it("render every message id the rules engine emits, in full and in short form", () => {
    const ids = new Set<string>();
    for (const f of files(RULES, ".ts")) for (const m of readFileSync(f, "utf8").matchAll(/"(rules\.[a-z]+\.[A-Za-z]+)"/g)) ids.add(m[1]);
    expect(ids.size).toBeGreaterThan(20);
    const missing = [...ids].filter((id) => !(`msg.${id}` in en) || !(`msg.${id}.short` in en));
    expect(missing).toEqual([]);
  });
});

describe("no hard-coded user-visible text", () => {
  it("has no Chinese outside the catalogue (sources, markup, styles)", () => {
    const cjk = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;
    const bad: string[] = [];
    for (const { file, sf } of sources) {
      // Comments may quote Chinese terms (三防); code may not.
      const code = ts.createPrinter({ removeComments: true }).printFile(sf);
      if (cjk.test(code)) bad.push(file);
    }
    for (const f of ["index.html", "styles.css"]) if (cjk.test(readFileSync(join(PANEL, f), "utf8").replace(/\/\*[\s\S]*?\*\//g, ""))) bad.push(f);
    expect(bad).toEqual([]);
  });

  it("puts no literal words into elements, attributes people read, or text properties", () => {
    const VISIBLE_ATTRS = new Set(["placeholder", "title", "aria-label", "alt", "label", "download"]);
    const TEXT_PROPS = new Set(["textContent", "innerText", "innerHTML", "title", "placeholder"]);
    const bad: string[] = [];
    const literal = (n: ts.Node): string | null => (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) ? n.text : ts.isTemplateExpression(n) ? n.head.text + n.templateSpans.map((s) => s.literal.text).join("") : null);
    const check = (file: string, n: ts.Node, where: string) => {
      const s = literal(n);
      if (s !== null && LETTER.test(s)) bad.push(`${file}: ${where}: ${JSON.stringify(s)}`);
      if (ts.isConditionalExpression(n)) {
        check(file, n.whenTrue, where);
        check(file, n.whenFalse, where);
      }
    };
    for (const { file, sf } of sources) {
      walk(sf, (n) => {
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "h") {
          n.arguments.slice(2).forEach((c) => check(file, c, "child of h()"));
          const attrs = n.arguments[1];
          if (attrs && ts.isObjectLiteralExpression(attrs))
            for (const p of attrs.properties) if (ts.isPropertyAssignment(p) && VISIBLE_ATTRS.has(p.name.getText(sf).replace(/"/g, "")) && p.name.getText(sf) !== "download") check(file, p.initializer, `attribute ${p.name.getText(sf)}`);
        }
        if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left) && TEXT_PROPS.has(n.left.name.text)) check(file, n.right, `.${n.left.name.text} =`);
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "setAttribute" && n.arguments[0] && ts.isStringLiteral(n.arguments[0]) && VISIBLE_ATTRS.has(n.arguments[0].text)) check(file, n.arguments[1]!, "setAttribute");
      });
    }
    expect(bad).toEqual([]);
  });

  it("serves markup whose only words come from the catalogue at run time", () => {
    const html = readFileSync(join(PANEL, "index.html"), "utf8");
    const body = html.replace(/<!--[\s\S]*?-->/g, "").replace(/<(script|style)[\s\S]*?<\/\1>/g, "");
    const text = body.replace(/<[^>]*>/g, " ");
    expect(text.trim()).not.toMatch(LETTER);
    for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) expect(m[1] in en, m[1]).toBe(true);
  });
});
