/**
 * A size transform of tsc's ES5 output (scripts/build.ts runs it on every module before
 * esbuild): terser cannot shorten `this` or `X.prototype`, which tsc's ES5 classes repeat
 * hundreds of times, so
 *   - a function that uses `this` at least MIN_THIS times gets `var $this = this;` as its first
 *     statement and uses `$this` instead (terser then names it with one letter; tsc's own
 *     `var _this = this;` is reused when the function starts with it);
 *   - a run of statements `X.prototype.m = ...;` / `Object.defineProperty(X.prototype, ...)`
 *     (a class's methods) gets `var $proto_X = X.prototype;` before it and uses that.
 * Same meaning: `this` does not change inside a function (ES5 §10.4.3: it is bound on entry),
 * the alias is declared before any statement that uses it, and nested functions keep their own
 * `this`. The output is still ES5 (the build parses the bundle as ES5 afterwards).
 * It also marks tsc's class IIFEs pure (below), so that an unused class can be left out.
 */
import * as acorn from "acorn";

export const MIN_THIS = 3;

type N = acorn.Node & Record<string, unknown>;

interface Edit {
  at: number;
  end: number;
  text: string;
}

function isFn(n: N): boolean {
  return n.type === "FunctionDeclaration" || n.type === "FunctionExpression";
}

/** `X.prototype` with X an identifier: X's name, else null. */
function protoOf(n: N | undefined): string | null {
  if (!n || n.type !== "MemberExpression" || n.computed) return null;
  const o = n.object as N, p = n.property as N;
  return o.type === "Identifier" && p.type === "Identifier" && p.name === "prototype" ? (o.name as string) : null;
}

/** The `X.prototype` node a class statement starts with, or null. */
function classStatement(s: N): N | null {
  if (s.type !== "ExpressionStatement") return null;
  const e = s.expression as N;
  if (e.type === "AssignmentExpression" && (e.left as N).type === "MemberExpression" && protoOf((e.left as N).object as N)) return (e.left as N).object as N;
  if (e.type === "CallExpression") {
    const c = e.callee as N, a = (e.arguments as N[])[0];
    if (c.type === "MemberExpression" && (c.object as N).type === "Identifier" && (c.object as N).name === "Object" && (c.property as N).name === "defineProperty" && protoOf(a)) return a;
  }
  return null;
}

function walkAll(n: unknown, f: (n: N) => void): void {
  if (!n || typeof n !== "object") return;
  if (Array.isArray(n)) return n.forEach((x) => walkAll(x, f));
  const node = n as N;
  if (typeof node.type !== "string") return;
  f(node);
  for (const k of Object.keys(node)) if (k !== "type" && k !== "start" && k !== "end") walkAll(node[k], f);
}

export function aliasThisAndPrototype(code: string): string {
  if (code.indexOf("$this") >= 0 || code.indexOf("$proto_") >= 0) throw new Error("es5-alias: the code already uses $this/$proto_");
  const ast = acorn.parse(code, { ecmaVersion: 2015, sourceType: "module" }) as unknown as N;
  const edits: Edit[] = [];

  // this -> $this, per function.
  const visit = (n: unknown, fnThis: N[] | null): void => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x, fnThis);
      return;
    }
    const node = n as N;
    if (typeof node.type !== "string") return;
    if (node.type === "ThisExpression") {
      if (fnThis) fnThis.push(node);
      return;
    }
    if (isFn(node)) {
      const mine: N[] = [];
      visit(node.params, mine);
      visit(node.body, mine);
      if (mine.length >= MIN_THIS) {
        const body = node.body as N;
        const stmts = body.body as N[];
        let i = 0;
        while (i < stmts.length && (stmts[i] as N).directive !== undefined) i++;
        // tsc starts a function whose arrow functions use `this` with `var _this = this;`: reuse it.
        const d = stmts[i] as N | undefined;
        const decl = d && d.type === "VariableDeclaration" ? ((d.declarations as N[])[0] as N) : null;
        const tsThis = decl && (decl.id as N).name === "_this" && (decl.init as N | null)?.type === "ThisExpression" ? (decl.init as N) : null;
        const name = tsThis ? "_this" : "$this";
        if (!tsThis) {
          const at = i < stmts.length ? stmts[i].start : body.end - 1;
          edits.push({ at: at, end: at, text: "var $this = this; " });
        }
        for (const t of mine) if (t !== tsThis) edits.push({ at: t.start, end: t.end, text: name });
      }
      return;
    }
    for (const k of Object.keys(node)) if (k !== "type" && k !== "start" && k !== "end") visit(node[k], fnThis);
  };
  visit(ast, null);

  // X.prototype -> $proto_X over each run of class statements.
  const blocks = (n: unknown): void => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) return n.forEach(blocks);
    const node = n as N;
    if (typeof node.type !== "string") return;
    if (node.type === "BlockStatement" || node.type === "Program") {
      const stmts = node.body as N[];
      for (let i = 0; i < stmts.length; ) {
        const first = classStatement(stmts[i]);
        if (!first) {
          i++;
          continue;
        }
        const cls = protoOf(first)!;
        let j = i;
        const uses: N[] = [];
        while (j < stmts.length) {
          const p = classStatement(stmts[j]);
          if (!p || protoOf(p) !== cls) break;
          uses.push(p);
          j++;
        }
        if (uses.length >= 2) {
          edits.push({ at: stmts[i].start, end: stmts[i].start, text: "var $proto_" + cls + " = " + cls + ".prototype; " });
          for (const u of uses) edits.push({ at: u.start, end: u.end, text: "$proto_" + cls });
        }
        i = j;
      }
    }
    for (const k of Object.keys(node)) if (k !== "type" && k !== "start" && k !== "end") blocks(node[k]);
  };
  blocks(ast);

  // tsc's class IIFE `var X = (function () { function X() {...} ...; return X; }())` marked pure,
  // so that esbuild and terser may leave out a class nothing uses (tsc's own /** @class */
  // marker is a comment, removed with the others).
  walkAll(ast, (n) => {
    if (n.type !== "VariableDeclarator" || !n.init || (n.init as N).type !== "CallExpression") return;
    const call = n.init as N, fn = call.callee as N;
    if (fn.type !== "FunctionExpression" || (fn.params as N[]).length || (call.arguments as N[]).length) return;
    const body = (fn.body as N).body as N[];
    const last = body[body.length - 1];
    const name = (n.id as N).name;
    if (body[0]?.type === "FunctionDeclaration" && (body[0].id as N).name === name && last?.type === "ReturnStatement" && (last.argument as N | null)?.name === name)
      edits.push({ at: call.start, end: call.start, text: "/*@__PURE__*/ " });
  });

  // Apply from the end; an insertion sorts before a replacement at the same place.
  edits.sort((a, b) => b.at - a.at || (b.end - b.at) - (a.end - a.at));
  let out = code;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}
