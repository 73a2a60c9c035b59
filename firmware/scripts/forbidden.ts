/**
 * What Espruino 2v2x does not have (../shared/espruino.md), found in an ES5 AST: global
 * identifiers and static members that a bundle must not reference, and TypeScript helpers
 * that would need them.
 */
import type * as acorn from "acorn";

export const FORBIDDEN_GLOBALS = [
  "Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "BigInt", "Buffer", "globalThis",
  // tsc helpers that use Symbol.iterator, Array.prototype.slice or generators:
  "__spreadArray", "__spread", "__read", "__values", "__await", "__awaiter", "__generator", "__asyncValues",
];

export const FORBIDDEN_MEMBERS = [
  "Array.from", "Array.of", "Object.freeze", "Object.getOwnPropertySymbols", "Math.trunc", "Math.sign", "Math.cbrt",
  "Math.log10", "Math.log2", "Number.isInteger", "Number.isFinite", "Number.isNaN", "Number.EPSILON",
  "Promise.race", "Promise.allSettled", "Promise.any", "String.raw", "Array.prototype",
];

export const FORBIDDEN_METHODS = ["finally", "flat", "flatMap", "padEnd", "startsWith", "endsWith", "trimStart", "trimEnd"];

type N = acorn.Node & Record<string, unknown>;

/** Returns "name at offset" for each forbidden reference. */
export function checkForbidden(ast: acorn.Node): string[] {
  const found: string[] = [];
  const declared = new Set<string>();
  const visit = (n: unknown, parent: N | null, key: string): void => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x, parent, key);
      return;
    }
    const node = n as N;
    if (typeof node.type !== "string") return;
    if (node.type === "Identifier") {
      const name = node.name as string;
      const isProp = parent && ((parent.type === "MemberExpression" && key === "property" && !parent.computed) || (parent.type === "Property" && key === "key" && !parent.computed));
      const isDecl = parent && ((parent.type === "VariableDeclarator" && key === "id") || ((parent.type === "FunctionDeclaration" || parent.type === "FunctionExpression") && (key === "id" || key === "params")));
      if (isDecl) declared.add(name);
      if (!isProp && !isDecl && FORBIDDEN_GLOBALS.includes(name)) found.push(name + " at " + node.start);
    }
    if (node.type === "MemberExpression" && !node.computed) {
      const obj = node.object as N;
      const prop = (node.property as N).name as string;
      if (obj.type === "Identifier" && FORBIDDEN_MEMBERS.includes(obj.name + "." + prop)) found.push(obj.name + "." + prop + " at " + node.start);
      if (FORBIDDEN_METHODS.includes(prop)) found.push("." + prop + " at " + node.start);
    }
    for (const k of Object.keys(node)) if (k !== "type" && k !== "start" && k !== "end") visit(node[k], node, k);
  };
  visit(ast, null, "");
  // A local variable that happens to be called Map is not a reference to the global.
  return found.filter((f) => !declared.has(f.split(" ")[0]));
}
