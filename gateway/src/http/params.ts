import { badRequest } from "./errors";

/** Latest instant the API accepts (year 9999): keeps arithmetic on ranges finite. */
const MAX_T = 253_402_300_799_999;

/** A time query parameter: epoch ms (integer) or an ISO 8601 date-time; `def` when absent. */
export function timeParam(url: URL, name: string, def: number | null): number {
  const s = url.searchParams.get(name);
  if (s === null || s === "") {
    if (def === null) throw badRequest(`query parameter '${name}' is required (epoch ms or ISO 8601)`);
    return def;
  }
  let t: number;
  if (/^-?\d{1,16}$/.test(s)) t = Number(s);
  else if (/^\d{4}-\d{2}-\d{2}/.test(s)) t = Date.parse(s);
  else throw badRequest(`query parameter '${name}' must be epoch ms or ISO 8601, got '${s.slice(0, 40)}'`);
  if (!Number.isFinite(t) || t < 0 || t > MAX_T) throw badRequest(`query parameter '${name}' is not a valid time: '${s.slice(0, 40)}'`);
  return t;
}

/** [from, to) with from < to. */
export function rangeParams(url: URL, defFrom: number | null, defTo: number | null): { from: number; to: number } {
  const to = timeParam(url, "to", defTo);
  const from = timeParam(url, "from", defFrom === null ? null : Math.min(defFrom, to - 1));
  if (from >= to) throw badRequest("'from' must be before 'to'");
  return { from, to };
}

export function intParam(url: URL, name: string, def: number, min: number, max: number): number {
  const s = url.searchParams.get(name);
  if (s === null || s === "") return def;
  if (!/^\d{1,9}$/.test(s)) throw badRequest(`query parameter '${name}' must be an integer, got '${s.slice(0, 40)}'`);
  const n = Number(s);
  if (n < min || n > max) throw badRequest(`query parameter '${name}' must be between ${min} and ${max}`);
  return n;
}

export function enumParam<T extends string>(url: URL, name: string, values: readonly T[], def: T): T {
  const s = url.searchParams.get(name);
  if (s === null || s === "") return def;
  if (!(values as readonly string[]).includes(s)) throw badRequest(`query parameter '${name}' must be one of ${values.join(", ")}`);
  return s as T;
}

/**
 * Feed cursors are opaque to clients: "f1" + the last delivered seq in base 36. Versioned so
 * the encoding can change without breaking stored cursors; seq is the store's commit order,
 * stable across restarts, so a cursor stays valid for as long as the entries are kept.
 */
export function encodeCursor(seq: number): string {
  return "f1" + seq.toString(36);
}

export function decodeCursor(s: string | null): number {
  if (s === null || s === "") return 0;
  const m = /^f1([0-9a-z]{1,11})$/.exec(s);
  if (!m) throw badRequest("cursor is not one this gateway issued (pass next_cursor back unchanged)");
  const n = parseInt(m[1], 36);
  if (!Number.isSafeInteger(n)) throw badRequest("cursor is out of range");
  return n;
}

/** A live `since`: a cursor, or a plain seq number. */
export function decodeSince(s: string | null): number | null {
  if (s === null || s === "") return null;
  if (/^\d{1,15}$/.test(s)) return Number(s);
  return decodeCursor(s);
}
