/**
 * validateRegisterMap: checks a register map (parsed JSON) field by field and across fields,
 * the way ESPHome's modbus_controller validates its register declarations: table vs value
 * type, register count vs type, byte order only where it means something, a sane range,
 * sentinels the type can represent, no two points claiming the same register (bitfields
 * excepted), and every point inside the 65536-register address space.
 */
import { isValidId } from "../topics";
import { at, idx, intReason, invalid, isFiniteNumber, isObject, kindOf, Obj, stringReason, unknownKey, ValidationResult } from "../validation";
import { PointDef, pointWidth, RegisterMap } from "./types";

const TABLES = ["coil", "discrete", "holding", "input"];
const TYPES = ["bool", "u16", "s16", "u32", "s32", "f32"];
const ORDERS = ["ABCD", "CDAB", "BADC", "DCBA"];
const MAP_KEYS = ["id", "name", "notes", "points", "maxGap", "maxRegisters"];
const POINT_KEYS = ["name", "table", "address", "type", "order", "bit", "scale", "offset", "unit", "quantity", "range", "sentinel", "poll", "writable", "description"];
const NAME_RE = /^[A-Za-z0-9_-]+$/;

/** Raw range a type can carry, for sentinel checks. */
function rawLimits(type: string): [number, number] | null {
  if (type === "u16") return [0, 0xffff];
  if (type === "s16") return [-0x8000, 0x7fff];
  if (type === "u32") return [0, 0xffffffff];
  if (type === "s32") return [-0x80000000, 0x7fffffff];
  return null;
}

function checkPoint(p: unknown, path: string): ValidationResult<PointDef> {
  if (!isObject(p)) return invalid(path, "must be an object, got " + kindOf(p));
  const extra = unknownKey(p, POINT_KEYS);
  if (extra !== null) return invalid(at(path, extra), "unknown field (allowed: " + POINT_KEYS.join(", ") + ")");
  let r = stringReason(p.name, 32);
  if (r) return invalid(at(path, "name"), r);
  if (!NAME_RE.test(p.name as string)) return invalid(at(path, "name"), "may contain only letters, digits, '_' and '-' (it becomes part of the sensor key)");
  if (TABLES.indexOf(p.table as string) < 0) return invalid(at(path, "table"), "must be one of " + TABLES.join(", ") + ", got " + JSON.stringify(p.table));
  if (TYPES.indexOf(p.type as string) < 0) return invalid(at(path, "type"), "must be one of " + TYPES.join(", ") + ", got " + JSON.stringify(p.type));
  r = intReason(p.address, 0, 0xffff);
  if (r) return invalid(at(path, "address"), r);
  const table = p.table as string;
  const type = p.type as string;
  const bitTable = table === "coil" || table === "discrete";
  if (bitTable && type !== "bool") return invalid(at(path, "type"), "a " + table + " holds one bit: type must be bool, got " + type);
  if (p.bit !== undefined) {
    if (bitTable || type !== "bool") return invalid(at(path, "bit"), "only for a bool in a holding or input register");
    r = intReason(p.bit, 0, 15);
    if (r) return invalid(at(path, "bit"), r);
  } else if (!bitTable && type === "bool") {
    return invalid(at(path, "bit"), "a bool in a " + table + " register needs the bit number (0..15)");
  }
  const width = pointWidth(p.type as PointDef["type"]);
  if ((p.address as number) + width > 0x10000) return invalid(at(path, "address"), "a " + type + " at " + p.address + " needs " + width + " registers and runs past 65535");
  if (p.order !== undefined) {
    if (width !== 2) return invalid(at(path, "order"), "byte/word order applies only to 32-bit types (u32, s32, f32), not " + type);
    if (ORDERS.indexOf(p.order as string) < 0) return invalid(at(path, "order"), "must be one of " + ORDERS.join(", ") + ", got " + JSON.stringify(p.order));
  }
  if (type === "bool" && (p.scale !== undefined || p.offset !== undefined || p.range !== undefined || p.sentinel !== undefined)) {
    const k = p.scale !== undefined ? "scale" : p.offset !== undefined ? "offset" : p.range !== undefined ? "range" : "sentinel";
    return invalid(at(path, k), "does not apply to a bool");
  }
  if (p.scale !== undefined && !(isFiniteNumber(p.scale) && p.scale !== 0)) return invalid(at(path, "scale"), "must be a finite non-zero number, got " + kindOf(p.scale));
  if (p.offset !== undefined && !isFiniteNumber(p.offset)) return invalid(at(path, "offset"), "must be a finite number, got " + kindOf(p.offset));
  if (p.range !== undefined) {
    const g = p.range;
    if (!Array.isArray(g) || g.length !== 2) return invalid(at(path, "range"), "must be [min, max]");
    if (!isFiniteNumber(g[0]) || !isFiniteNumber(g[1])) return invalid(at(path, "range"), "min and max must be finite numbers");
    if (!(g[0] < g[1])) return invalid(at(path, "range"), "min " + g[0] + " must be less than max " + g[1]);
  }
  if (p.sentinel !== undefined) {
    const list = Array.isArray(p.sentinel) ? p.sentinel : [p.sentinel];
    if (list.length === 0) return invalid(at(path, "sentinel"), "must not be an empty list");
    const lim = rawLimits(type);
    for (let i = 0; i < list.length; i++) {
      const sp = Array.isArray(p.sentinel) ? idx(at(path, "sentinel"), i) : at(path, "sentinel");
      const s = list[i];
      if (!isFiniteNumber(s)) return invalid(sp, "must be a finite number, got " + kindOf(s));
      if (lim !== null) {
        r = intReason(s, lim[0], lim[1]);
        if (r) return invalid(sp, "is compared with the raw " + type + " value and " + r + (type === "s16" && (s as number) > 0x7fff ? " (write 0x8000 as -32768 for an s16)" : ""));
      }
    }
  }
  const texts = ["unit", "quantity", "description"];
  for (let t = 0; t < texts.length; t++) {
    const k = texts[t];
    if (p[k] !== undefined) {
      r = stringReason(p[k], k === "description" ? 500 : 32);
      if (r) return invalid(at(path, k), r);
    }
  }
  const flags = ["poll", "writable"];
  for (let t = 0; t < flags.length; t++) {
    const k = flags[t];
    if (p[k] !== undefined && typeof p[k] !== "boolean") return invalid(at(path, k), "must be true or false, got " + kindOf(p[k]));
  }
  if (p.writable === true && (table === "discrete" || table === "input")) return invalid(at(path, "writable"), "a " + table + " is read-only in Modbus");
  return { ok: true, value: p as unknown as PointDef };
}

/** Occupancy per table: address -> point index, or for bitfields address -> bit mask in use. */
function checkOverlaps(points: PointDef[]): ValidationResult<null> {
  const words: { [k: string]: number } = {};
  const bits: { [k: string]: number } = {};
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const path = idx("points", i);
    const w = pointWidth(p.type);
    for (let k = 0; k < w; k++) {
      const key = p.table + ":" + (p.address + k);
      if (p.bit !== undefined) {
        const m = 1 << p.bit;
        if (words[key] !== undefined) return invalid(path, "bit " + p.bit + " of " + p.table + " " + (p.address + k) + " overlaps points[" + words[key] + "] (" + points[words[key]].name + "); bit points may only share a register with other bit points");
        if ((bits[key] || 0) & m) return invalid(path, "bit " + p.bit + " of " + p.table + " " + (p.address + k) + " is already used by another point");
        bits[key] = (bits[key] || 0) | m;
      } else {
        if (words[key] !== undefined) return invalid(path, p.table + " " + (p.address + k) + " is already used by points[" + words[key] + "] (" + points[words[key]].name + ")");
        if (bits[key] !== undefined) return invalid(path, p.table + " " + (p.address + k) + " is already used by bit points");
        words[key] = i;
      }
    }
  }
  return { ok: true, value: null };
}

/** Validates a parsed register map; the first problem is reported with its path and reason. */
export function validateRegisterMap(json: unknown): ValidationResult<RegisterMap> {
  if (!isObject(json)) return invalid("", "a register map must be an object, got " + kindOf(json));
  const m: Obj = json;
  const extra = unknownKey(m, MAP_KEYS);
  if (extra !== null) return invalid(extra, "unknown field (allowed: " + MAP_KEYS.join(", ") + ")");
  if (!isValidId(m.id)) return invalid("id", "must be 1..32 characters of [A-Za-z0-9_-], got " + JSON.stringify(m.id));
  let r = stringReason(m.name, 200);
  if (r) return invalid("name", r);
  if (m.notes !== undefined) {
    r = stringReason(m.notes, 2000);
    if (r) return invalid("notes", r);
  }
  if (m.maxGap !== undefined) {
    r = intReason(m.maxGap, 0, 124);
    if (r) return invalid("maxGap", r);
  }
  if (m.maxRegisters !== undefined) {
    r = intReason(m.maxRegisters, 1, 125);
    if (r) return invalid("maxRegisters", r);
  }
  if (!Array.isArray(m.points)) return invalid("points", "must be an array, got " + kindOf(m.points));
  if (m.points.length === 0) return invalid("points", "must list at least one point");
  if (m.points.length > 256) return invalid("points", "at most 256 points per map, got " + m.points.length);
  const names: { [n: string]: number } = {};
  for (let i = 0; i < m.points.length; i++) {
    const c = checkPoint(m.points[i], idx("points", i));
    if (!c.ok) return c;
    const n = c.value.name;
    if (names[n] !== undefined) return invalid(at(idx("points", i), "name"), "duplicate name " + JSON.stringify(n) + " (also points[" + names[n] + "])");
    names[n] = i;
  }
  const o = checkOverlaps(m.points as PointDef[]);
  if (!o.ok) return o;
  return { ok: true, value: m as unknown as RegisterMap };
}
