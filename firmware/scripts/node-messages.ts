/**
 * Shorter texts, in the bundle only, for protocol's error messages that the node computes and
 * then never reads (scripts/build.ts runs it on tsc's output of protocol/src before esbuild).
 * protocol itself, the gateway and the simulator keep the full texts.
 *   - modbus/rtu.js: `modbusError(kind, 0, message)`: the master counts replies by kind and the
 *     poller puts only an exception's message on the wire (built apart: `"exception " + code +
 *     " " + name`, left as it is); the message of any other kind becomes the kind itself.
 *   - nmea/*.js: a bad sentence's reason (`invalid(path, reason)`, `{ ok: false, reason }`):
 *     the GPS receiver only counts bad sentences (src/gps/nmea.ts checks `.ok`); it becomes "bad".
 */
import * as acorn from "acorn";

type N = acorn.Node & Record<string, unknown>;

function walk(n: unknown, f: (n: N) => void): void {
  if (!n || typeof n !== "object") return;
  if (Array.isArray(n)) return n.forEach((x) => walk(x, f));
  const node = n as N;
  if (typeof node.type !== "string") return;
  f(node);
  for (const k of Object.keys(node)) if (k !== "type" && k !== "start" && k !== "end") walk(node[k], f);
}

const plainEmpty = (n: N) => n.type === "Literal" && n.value === "";

/** `file` is the module's path relative to the repository ("protocol/src/modbus/rtu.js"). */
export function shortenMessages(file: string, code: string): { code: string; replaced: number } {
  const rtu = file === "protocol/src/modbus/rtu.js";
  const nmea = file.startsWith("protocol/src/nmea/");
  if (!rtu && !nmea) return { code, replaced: 0 };
  const edits: { at: number; end: number; text: string }[] = [];
  walk(acorn.parse(code, { ecmaVersion: 2015, sourceType: "module" }), (n) => {
    if (n.type === "CallExpression" && (n.callee as N).type === "Identifier") {
      const name = (n.callee as N).name, a = n.arguments as N[];
      if (rtu && name === "modbusError" && a.length === 3 && a[0].type === "Literal" && a[1].type === "Literal" && a[1].value === 0 && !plainEmpty(a[2]))
        edits.push({ at: a[2].start, end: a[2].end, text: JSON.stringify(a[0].value) });
      if (nmea && name === "invalid" && a.length === 2 && !plainEmpty(a[1])) edits.push({ at: a[1].start, end: a[1].end, text: '"bad"' });
    }
    if (nmea && n.type === "Property" && !n.computed && (n.key as N).type === "Identifier" && (n.key as N).name === "reason" && !plainEmpty(n.value as N))
      edits.push({ at: (n.value as N).start, end: (n.value as N).end, text: '"bad"' });
  });
  edits.sort((a, b) => b.at - a.at);
  let out = code;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return { code: out, replaced: edits.length };
}
