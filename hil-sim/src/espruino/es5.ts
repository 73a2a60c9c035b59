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
export function checkBundle(source: string, name = "bundle"): { regexFindings: RegexFinding[] } {
  const regexFindings: RegexFinding[] = [];
  try {
    acorn.parse(source, {
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
    });
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
  return { regexFindings };
}
