import * as acorn from "acorn";

type AstNode = { type: string; start: number; end: number; id?: { name: string; end: number } | null; [k: string]: unknown };

function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && typeof (v as AstNode).type === "string";
}

/**
 * Espruino does not hoist: a function declared with `function f() {}` exists only once the
 * declaration has run (checked on the real Linux build: `f(); function f() {}` throws
 * ReferenceError "f" is not defined, at top level and inside functions). V8 hoists, so the
 * runtime rewrites every function declaration into `var f = function f() {};` at the same
 * place: calling it earlier then fails in the simulator too (TypeError: f is not a function),
 * and everything else behaves the same. Lines are kept, so stack traces still point at the
 * bundle's lines.
 */
export function unhoistFunctions(source: string): string {
  const ast = acorn.parse(source, { ecmaVersion: 5, sourceType: "script" }) as unknown as AstNode;
  const decls: AstNode[] = [];
  const visit = (n: AstNode): void => {
    if (n.type === "FunctionDeclaration" && n.id) decls.push(n);
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) {
        for (const x of v) if (isNode(x)) visit(x);
      } else if (isNode(v)) visit(v);
    }
  };
  visit(ast);
  // Insertions at positions of the original text, applied from the end so none moves another.
  // At one position (`function a(){}function b(){}`) the ";" closing a must end up before the
  // "var b = " opening b: apply the opening first, the closing is then inserted in front of it.
  const edits: { at: number; text: string; open: boolean }[] = [];
  for (const d of decls) edits.push({ at: d.start, text: `var ${d.id!.name} = `, open: true }, { at: d.end, text: ";", open: false });
  edits.sort((a, b) => b.at - a.at || Number(b.open) - Number(a.open));
  let out = source;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}
