/**
 * Which property names terser may mangle in the bundle (scripts/build.ts).
 *
 * terser renames a property name everywhere or nowhere, so a name may be mangled only if no
 * code outside the bundle spells it: JSON (wire messages, configurations, maps, Storage files),
 * Espruino's API (and the options objects it reads), the JavaScript built-ins. A name is
 * mangled when
 *   - it starts with "_" (every private member, test/boundary.test.ts), or
 *   - it is declared as a member of a class or an interface in firmware/src (the node's own
 *     objects: SensorNode.poller, DeviceLink.setOnline, Uart.onData...)
 * and it is not reserved. Reserved is every identifier and string that appears in
 *   - protocol/src (its types describe everything that crosses JSON: configuration, maps,
 *     wire messages; and its code reads parsed JSON by these names),
 *   - firmware/src/hw/espruino.ts (the one module that talks to Espruino, with the option
 *     names Espruino reads) and the Espruino declarations (@types/espruino, espruino-extra.d.ts,
 *     protocol's espruino-subset.d.ts, hil-sim's Espruino runtime),
 *   - TypeScript's ES5/ES2015 library declarations (the built-ins),
 *   - any string literal or object-literal key in firmware/src (a status counter such as
 *     `err.lateAck`, a key looked up by string).
 * Member names of firmware classes that are JSON keys would be caught by the last rule only if
 * written as a literal key somewhere; test/boundary.test.ts checks that no firmware type that
 * crosses JSON declares its own members (they all come from protocol).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, "..");
const root = resolve(pkg, "..");
const require = createRequire(import.meta.url);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return (p.endsWith(".ts") || p.endsWith(".js")) && !p.endsWith(".test.ts") ? [p] : [];
  });
}

/** Every identifier-like word in a file (code, comments and strings alike: conservative). */
function words(file: string, into: Set<string>): void {
  for (const m of readFileSync(file, "utf8").matchAll(/[A-Za-z_$][\w$]*/g)) into.add(m[0]);
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

function nameOf(n: ts.PropertyName | undefined): string | undefined {
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) return n.text;
  if (ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
}

export interface MangleNames {
  /** Member names terser may rename (besides the "_" ones). */
  mangle: string[];
  /** Member names declared in firmware/src that must keep their spelling. */
  kept: string[];
}

let cached: MangleNames | null = null;

/** `from "../modbus/poller"` names a file, not a property. */
function isModuleName(n: ts.Node): boolean {
  return ts.isImportDeclaration(n.parent) || ts.isExportDeclaration(n.parent) || ts.isExternalModuleReference(n.parent) || ts.isImportTypeNode(n.parent.parent);
}

/**
 * The property names a TypeScript file uses: members it declares, keys, names after a dot,
 * destructured names, and the words of its strings (local variable names are not properties).
 */
function propertyNames(file: string, into: Set<string>, classMembers?: Set<string>): void {
  const visit = (n: ts.Node): void => {
    const member = ts.isClassLike(n.parent) && (ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n));
    if (member && classMembers && nameOf(n.name)) classMembers.add(nameOf(n.name)!);
    else if ((ts.isPropertySignature(n) || ts.isMethodSignature(n) || ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) || ts.isPropertyAssignment(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n)) && nameOf(n.name)) into.add(nameOf(n.name)!);
    if (ts.isShorthandPropertyAssignment(n)) into.add(n.name.text);
    // A class's own members read through `this` are not names from outside (when asked).
    if (ts.isPropertyAccessExpression(n) && !(classMembers && n.expression.kind === ts.SyntaxKind.ThisKeyword)) into.add(n.name.text);
    if (ts.isBindingElement(n)) {
      const nm = n.propertyName ? nameOf(n.propertyName) : ts.isIdentifier(n.name) ? n.name.text : undefined;
      if (nm) into.add(nm);
    }
    if (ts.isParameter(n) && ts.getModifiers(n)?.length && ts.isIdentifier(n.name)) (classMembers ?? into).add(n.name.text);
    if (((ts.isStringLiteral(n) && !isModuleName(n)) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)))
      for (const w of n.text.match(/[A-Za-z_$][\w$]*/g) ?? []) into.add(w);
    ts.forEachChild(n, visit);
  };
  visit(parse(file));
}

export function mangleNames(): MangleNames {
  if (cached) return cached;
  const reserved = new Set<string>();
  // protocol's classes (the frame assembler, the NMEA line splitter) are in the bundle too: their
  // members may be mangled unless the name is also used on anything else.
  const members = new Set<string>();
  for (const f of tsFiles(join(root, "protocol", "src"))) if (f.endsWith(".ts") && !f.endsWith(".d.ts")) propertyNames(f, reserved, members);
  for (const f of tsFiles(join(root, "protocol", "src"))) if (f.endsWith(".d.ts")) words(f, reserved);
  for (const f of tsFiles(join(root, "hil-sim", "src", "espruino"))) if (f.endsWith(".ts")) propertyNames(f, reserved); else words(f, reserved);
  words(join(pkg, "src", "hw", "espruino-extra.d.ts"), reserved);
  words(require.resolve("@types/espruino/index.d.ts"), reserved);
  const lib = dirname(require.resolve("typescript/lib/lib.es5.d.ts"));
  for (const f of readdirSync(lib)) if (/^lib\.es(5|2015[.\w]*)\.d\.ts$/.test(f)) words(join(lib, f), reserved);

  const cfgFile = join(pkg, "tsconfig.json");
  const cfg = ts.parseJsonConfigFileContent(ts.readConfigFile(cfgFile, ts.sys.readFile).config, ts.sys, pkg);
  const program = ts.createProgram(cfg.fileNames, cfg.options);
  const checker = program.getTypeChecker();
  const src = join(pkg, "src");
  const ours = (d: ts.Declaration) => { const f = d.getSourceFile().fileName; return resolve(f).startsWith(src) && !f.endsWith(".d.ts"); };
  /** A type the firmware declares itself (class, interface, type literal in firmware/src), without an index signature. */
  const internal = (t: ts.Type | undefined): boolean => {
    if (!t) return false;
    if (t.isUnion()) return t.types.every((x) => internal(x) || !!(x.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    const decls = t.getSymbol()?.getDeclarations() ?? [];
    return decls.length > 0 && decls.every(ours) && !t.getStringIndexType();
  };

  for (const sf of program.getSourceFiles()) {
    if (!resolve(sf.fileName).startsWith(src) || sf.fileName.endsWith(".d.ts")) continue;
    const visit = (n: ts.Node): void => {
      if ((ts.isClassDeclaration(n) || ts.isClassExpression(n) || ts.isInterfaceDeclaration(n)) && n.members) {
        for (const m of n.members as ts.NodeArray<ts.ClassElement | ts.TypeElement>) {
          if (ts.isConstructorDeclaration(m)) {
            for (const p of m.parameters) if (ts.getModifiers(p)?.length && ts.isIdentifier(p.name)) members.add(p.name.text);
            continue;
          }
          const nm = nameOf((m as { name?: ts.PropertyName }).name);
          if (nm) members.add(nm);
        }
      }
      // Strings keep their words (a key looked up by name).
      if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && !isModuleName(n)) for (const w of n.text.match(/[A-Za-z_$][\w$]*/g) ?? []) reserved.add(w);
      // Keys of an object that is not one of the firmware's own types (a status counter, a wire
      // message, an options object for Espruino) keep their spelling.
      if (ts.isObjectLiteralExpression(n) && !internal(checker.getContextualType(n))) for (const p of n.properties) {
        const nm = nameOf(p.name);
        if (nm) reserved.add(nm);
      }
      // So do names set or read on a dictionary (`err.lateAck = ...`).
      // and names read or set on an untyped value (Espruino objects seen as `any`).
      if (ts.isPropertyAccessExpression(n)) {
        const t = checker.getTypeAtLocation(n.expression);
        if (t.getStringIndexType() || t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) reserved.add(n.name.text);
      }
      if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression)) reserved.add(n.argumentExpression.text);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  const mangle: string[] = [];
  const kept: string[] = [];
  for (const m of [...members].sort()) {
    if (m.startsWith("_")) continue;
    (reserved.has(m) ? kept : mangle).push(m);
  }
  cached = { mangle, kept };
  return cached;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = mangleNames();
  console.log("mangled (" + r.mangle.length + "): " + r.mangle.join(" "));
  console.log("kept (" + r.kept.length + "): " + r.kept.join(" "));
}
