import * as acorn from "acorn";

/** A bundle the runtime will not run, with where and why. */
export class BundleRejectedError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = "BundleRejectedError";
  }
}

export interface RegexFinding {
  pattern: string;
  line: number;
  reason: string;
}

/** Something valid ES5 that fails on Espruino, found in the bundle's source. */
export interface LintFinding {
  line: number;
  column: number;
  reason: string;
}

/**
 * Built-ins whose methods Espruino resolves only on instances: on the real interpreter (Linux
 * build 2v29) `typeof Array.prototype.slice`, `Function.prototype.apply`,
 * `String.prototype.indexOf`... are all "undefined", so `Array.prototype.slice.call(x)` throws
 * while `[].slice.call(x)` works. (Object.prototype and Error.prototype are real objects.)
 */
const INSTANCE_ONLY = new Set([
  "Array", "String", "Number", "Boolean", "Function", "Date", "Promise", "RegExp", "ArrayBuffer", "DataView",
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array",
]);

type AstNode = { type: string; start: number; loc?: { start: { line: number; column: number } }; [k: string]: unknown };

function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && typeof (v as AstNode).type === "string";
}

/** Reads of <Builtin>.prototype.<method> (not assignments to it). */
export function lintEspruino(ast: AstNode): LintFinding[] {
  const out: LintFinding[] = [];
  const writes = new Set<AstNode>();
  const visit = (n: AstNode): void => {
    if (n.type === "AssignmentExpression" && isNode(n.left)) writes.add(n.left);
    if (n.type === "MemberExpression" && !n.computed && !writes.has(n)) {
      const obj = n.object as AstNode;
      const prop = n.property as AstNode & { name?: string };
      if (obj.type === "MemberExpression" && !obj.computed && (obj.property as { name?: string }).name === "prototype") {
        const base = obj.object as AstNode & { name?: string };
        if (base.type === "Identifier" && INSTANCE_ONLY.has(base.name!) && prop.name !== "constructor") {
          out.push({
            line: n.loc?.start.line ?? 0,
            column: n.loc?.start.column ?? 0,
            reason: `${base.name}.prototype.${prop.name} is undefined on Espruino (built-in methods exist only on instances): use ${instanceOf(base.name!)}.${prop.name}`,
          });
        }
      }
    }
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) {
        for (const x of v) if (isNode(x)) visit(x);
      }
      else if (isNode(v)) visit(v);
    }
  };
  visit(ast);
  return out;
}

function instanceOf(name: string): string {
  if (name === "Array") return "[]";
  if (name === "String") return '""';
  if (name === "Number") return "(0)";
  if (name === "Function") return "(function () {})";
  return `new ${name}()`;
}

/**
 * Features Espruino's own regular expression engine (src/jswrap_regexp.c: a small
 * backtracking matcher handling ^ $ ( ) | [] . * + and escapes) does not implement. Such a
 * pattern throws or silently mismatches on the node, so the runtime flags it.
 */
export function unsupportedRegexFeature(pattern: string): string | undefined {
  if (/\\[1-9]/.test(pattern)) return "backreference";
  if (/\(\?/.test(pattern)) return "(?...) group or lookaround";
  if (/(^|[^\\])\{\d+(,\d*)?\}/.test(pattern)) return "numeric quantifier {n,m}";
  if (/(^|[^\\(])\?/.test(pattern)) return "? quantifier";
  if (/\)[*+?]/.test(pattern)) return "quantifier on a group";
  if (/\\b|\\B/.test(pattern)) return "word boundary assertion";
  return undefined;
}

/**
 * Parses a bundle as ECMAScript 5 (acorn, ecmaVersion 5) and lists regex literals Espruino
 * cannot run. Throws BundleRejectedError naming the line, column and token for anything that
 * is not ES5 (class, arrow, let/const, template, ...), which is what the firmware build must
 * emit (shared/espruino.md: the bundle's own syntax is ES5).
 */
export function checkBundle(source: string, name = "bundle"): { regexFindings: RegexFinding[]; lintFindings: LintFinding[] } {
  const regexFindings: RegexFinding[] = [];
  let ast: AstNode;
  try {
    ast = acorn.parse(source, {
      ecmaVersion: 5,
      sourceType: "script",
      locations: true,
      onToken(tok) {
        if (tok.type === acorn.tokTypes.regexp) {
          const value = (tok as unknown as { value: { pattern: string } }).value;
          const reason = unsupportedRegexFeature(value.pattern);
          if (reason) regexFindings.push({ pattern: value.pattern, line: tok.loc?.start.line ?? 0, reason });
        }
      },
    }) as unknown as AstNode;
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    const line = err.loc?.line;
    const column = err.loc?.column;
    const text = line !== undefined ? source.split("\n")[line - 1] ?? "" : "";
    const excerpt = column !== undefined ? text.slice(Math.max(0, column - 20), column + 30) : "";
    throw new BundleRejectedError(
      `${name} is not ES5 (Espruino runs only the ES5 subset this project targets): ${err.message}` + (excerpt ? ` near \`${excerpt}\`` : ""),
      line,
      column,
    );
  }
  return { regexFindings, lintFindings: lintEspruino(ast) };
}
