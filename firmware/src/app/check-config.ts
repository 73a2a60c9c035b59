/**
 * The node's own check of a configuration (Storage "node.json", embedded, or pushed over cmd):
 * accepts and refuses exactly what protocol's validateNodeConfig does, and names the same
 * field (path), with shorter reasons. Table-driven because protocol's validator, with its
 * long English reasons for the gateway's operators, cost 5 KB of a 24 KB bundle.
 * Equivalence is tested on random configurations against validateNodeConfig
 * (check-config.test.ts); the order of the rules below is protocol's order of checks.
 */
import { isIPv4, isValidId, type NodeConfig, type ValidationResult } from "@manure-edge/protocol";
import { HAS_W5500 } from "../embedded";

/**
 * Why a bundle built without the W5500 link (an embedded configuration with another
 * net.type) refuses a configuration that asks for one: pushed over cmd, or found in Storage
 * (the node then runs its embedded configuration). Its W5500 rules are left out with the link.
 */
export const NO_W5500 = "this firmware has no W5500 support (built without it)";

type Obj = { [k: string]: unknown };
/** [key, kind, a, b, required]: kinds below; a/b are bounds or the allowed values. */
type Rule = [string, number, unknown?, number?, 1?];

const ID = 0, STR = 1, INT = 2, PIN = 3, UART = 4, ONE_OF = 5, IP = 6;

function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isInt(x: unknown): x is number {
  return typeof x === "number" && isFinite(x) && Math.floor(x) === x;
}

/** Why a value breaks a rule, or "". */
function why(v: unknown, r: Rule): string {
  if (v === undefined) return r[4] ? "required" : "";
  const a = r[2] as number, b = r[3] as number;
  switch (r[1]) {
    case ID: return isValidId(v) ? "" : "bad id";
    case STR: return typeof v !== "string" ? "not a string" : v.length < a || v.length > b ? "length not " + a + ".." + b : "";
    case INT: return !isInt(v) ? "not an integer" : v < a || v > b ? "not " + a + ".." + b : "";
    case PIN: return typeof v === "string" && /^[A-Z][0-9]+$/.test(v) ? "" : "bad pin";
    case UART: return typeof v === "string" && /^Serial[1-9]$/.test(v) ? "" : "bad UART";
    case IP: return isIPv4(v) ? "" : "bad IPv4";
    default: return (r[2] as unknown[]).indexOf(v) < 0 ? "not one of " + (r[2] as unknown[]).join(",") : "";
  }
}

interface Bad {
  ok: false;
  path: string;
  reason: string;
}

function bad(path: string, reason: string): Bad {
  return { ok: false, path: path, reason: reason };
}

function at(path: string, key: string): string {
  return path ? path + "." + key : key;
}

/** An object with only the allowed keys, each following its rule (in order). */
function section(x: unknown, path: string, rules: Rule[], keys?: string[]): Bad | null {
  if (!isObj(x)) return bad(path, "not an object");
  const allowed = keys || rules.map((r) => r[0]);
  const ks = Object.keys(x);
  for (let i = 0; i < ks.length; i++) if (allowed.indexOf(ks[i]) < 0) return bad(at(path, ks[i]), "unknown field");
  for (let i = 0; i < rules.length; i++) {
    const w = why(x[rules[i][0]], rules[i]);
    if (w) return bad(at(path, rules[i][0]), w);
  }
  return null;
}

/** `net` in protocol's order: object, type, unknown fields (per type), then the type's own fields. */
function checkNet(n: Obj): Bad | null {
  if (!isObj(n)) return bad("net", "not an object");
  const w = why(n.type, ["type", ONE_OF, ["wifi", "w5500", "none"], 0, 1]);
  if (w) return bad("net.type", w);
  const eth = n.type === "w5500";
  let e = section(n, "net", [], eth ? ["type", "spi", "cs", "rst", "ip"] : ["type", "ssid", "pass"]);
  if (e) return e;
  // The ssid is checked only for Wi-Fi (protocol leaves it alone with "none").
  if (!eth) return section(n, "net", (n.type === "wifi" ? [["ssid", STR, 1, 32, 1]] as Rule[] : []).concat([["pass", STR, 8, 63]]), ["type", "ssid", "pass"]);
  // A constant at build time: without the link, what follows is left out of the bundle.
  if (!HAS_W5500) return bad("net", NO_W5500);
  const s = n.spi as Obj;
  if ((e = section(s, "net.spi", [["sck", PIN, 0, 0, 1], ["miso", PIN, 0, 0, 1], ["mosi", PIN, 0, 0, 1], ["baud", INT, 100000, 20000000]]) || section(n, "net", [["cs", PIN, 0, 0, 1], ["rst", PIN]], ["type", "spi", "cs", "rst", "ip"]))) return e;
  const used: Obj = {};
  const pins = [["spi.sck", s.sck], ["spi.miso", s.miso], ["spi.mosi", s.mosi], ["cs", n.cs], ["rst", n.rst]];
  for (let i = 0; i < pins.length; i++) {
    const p = pins[i][1] as string;
    if (p === undefined) continue;
    if (used[p]) return bad("net." + pins[i][0], "pin used twice");
    used[p] = 1;
  }
  return n.ip === undefined ? null : section(n.ip, "net.ip", [["ip", IP, 0, 0, 1], ["subnet", IP, 0, 0, 1], ["gateway", IP, 0, 0, 1], ["dns", IP, 0, 0, 1]]);
}

/**
 * Same verdict and path as protocol's validateNodeConfig(json, knownMaps); in a bundle built
 * without the W5500 link, a valid W5500 configuration is refused too ("net", NO_W5500).
 */
export function checkConfig(json: unknown, knownMaps: string[]): ValidationResult<NodeConfig> {
  // The rules are made at each call, not kept: on the node they would hold a few hundred
  // JsVars of RAM for a check that runs at boot and on a configuration push.
  const BAUDS = [1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200];
  const MQTT: Rule[] = [["host", STR, 1, 253, 1], ["port", INT, 1, 65535, 1], ["user", STR, 1, 64], ["pass", STR, 1, 128], ["keepalive", INT, 5, 65535]];
  const PORT: Rule[] = [["serial", UART, 0, 0, 1], ["baud", ONE_OF, BAUDS, 0, 1], ["rx", PIN], ["tx", PIN]];
  const BUS: Rule[] = PORT.concat([["de", PIN], ["timeout", INT, 20, 10000], ["retries", INT, 0, 5], ["parity", ONE_OF, ["none", "even", "odd"]], ["stop", ONE_OF, [1, 2]]]);
  const DEVICE: Rule[] = [["id", ID, 0, 0, 1], ["unit", INT, 1, 247, 1], ["every", INT, 1, 86400, 1], ["fast", INT, 1, 86400], ["map", ID, 0, 0, 1]];
  const o = json as Obj;
  // A missing mqtt is "not an object" at "mqtt" here, "is required" there: the same path.
  let e = section(json, "", [["node", ID, 0, 0, 1], ["farm", ID, 0, 0, 1], ["base", ID]], ["node", "farm", "base", "mqtt", "net", "bus", "devices", "gps"]) || section(o.mqtt, "mqtt", MQTT);
  if (e) return e;
  const n = o.net as Obj;
  if (n !== undefined && (e = checkNet(n))) return e;
  if (o.bus !== undefined && (e = section(o.bus, "bus", BUS))) return e;
  const d = o.devices as Obj[];
  if (!Array.isArray(d)) return bad("devices", d === undefined ? "required" : "not an array");
  if (d.length > 32) return bad("devices", "over 32");
  const ids: Obj = {}, units: Obj = {};
  for (let i = 0; i < d.length; i++) {
    const p = "devices[" + i + "]";
    if ((e = section(d[i], p, DEVICE, ["id", "unit", "map", "every", "fast"]))) return e;
    if (knownMaps.indexOf(d[i].map as string) < 0) return bad(p + ".map", "no such map");
    if ((d[i].fast as number) > (d[i].every as number)) return bad(p + ".fast", "over every");
    if (ids[d[i].id as string] !== undefined) return bad(p + ".id", "duplicate");
    if (units[String(d[i].unit)] !== undefined) return bad(p + ".unit", "duplicate");
    ids[d[i].id as string] = units[String(d[i].unit)] = i;
  }
  if (d.length && o.bus === undefined) return bad("bus", "required");
  if (o.gps !== undefined) {
    if ((e = section(o.gps, "gps", PORT))) return e;
    if (o.bus !== undefined && (o.gps as Obj).serial === (o.bus as Obj).serial) return bad("gps.serial", "used by bus");
  }
  return { ok: true, value: json as NodeConfig };
}
