/**
 * The result shape of every validator in this package, and the small checks they share.
 * A validator stops at the first problem and names it: the path of the field in JSON-ish
 * notation ("points[2].range", "r[3][1]") and the reason in plain words.
 */

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; path: string; reason: string };

export interface Invalid {
  ok: false;
  path: string;
  reason: string;
}

export function invalid(path: string, reason: string): Invalid {
  return { ok: false, path: path, reason: reason };
}

/** "path: reason", the one-line form for logs and ack.err. */
export function describeInvalid(r: { path: string; reason: string }): string {
  return (r.path ? r.path + ": " : "") + r.reason;
}

export type Obj = { [key: string]: unknown };

export function isObject(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function isFiniteNumber(x: unknown): x is number {
  return typeof x === "number" && isFinite(x);
}

/** Number.isInteger is not in Espruino. */
export function isInt(x: unknown): x is number {
  return typeof x === "number" && isFinite(x) && Math.floor(x) === x;
}

/** Short description of a value's type for reasons: "string", "null", "array", "NaN"... */
export function kindOf(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "array";
  if (typeof x === "number" && x !== x) return "NaN";
  if (typeof x === "number" && !isFinite(x)) return "Infinity";
  return typeof x;
}

/** Appends a key to a path: "" + "a" = "a", "a" + "b" = "a.b". */
export function at(path: string, key: string): string {
  return path ? path + "." + key : key;
}

/** Appends an index: "r" + 3 = "r[3]". */
export function idx(path: string, i: number): string {
  return path + "[" + i + "]";
}

/** First key of obj not in allowed, or null. Unknown keys are refused so typos do not pass silently. */
export function unknownKey(obj: Obj, allowed: string[]): string | null {
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) if (allowed.indexOf(keys[i]) < 0) return keys[i];
  return null;
}

/** A required string: null when fine, else the reason. */
export function stringReason(x: unknown, maxLength: number): string | null {
  if (typeof x !== "string") return "must be a string, got " + kindOf(x);
  if (x.length === 0) return "must not be empty";
  if (x.length > maxLength) return "must be at most " + maxLength + " characters, got " + x.length;
  return null;
}

/** An integer in [min, max]: null when fine, else the reason. */
export function intReason(x: unknown, min: number, max: number): string | null {
  if (!isInt(x)) return "must be an integer, got " + (typeof x === "number" ? String(x) : kindOf(x));
  if (x < min || x > max) return "must be within " + min + ".." + max + ", got " + x;
  return null;
}
