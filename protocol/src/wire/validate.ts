/**
 * Validators of the wire contract v1 (./types.ts), used by the gateway on everything a node
 * sends and by the node on everything the gateway sends. Each returns the first problem with
 * its path and a precise reason ("r[3][1]: time must be a finite number"), never throws.
 *
 * Payloads are checked for size before they are parsed: MAX_MESSAGE_BYTES. Unknown fields
 * are ignored in messages (a v1 reader skips what a later minor revision adds) but the
 * version must be one this reader knows.
 */
import { validateNodeConfig } from "../config/node-config";
import { isValidId } from "../topics";
import { at, idx, intReason, invalid, isFiniteNumber, isInt, isObject, kindOf, Obj, stringReason, ValidationResult } from "../validation";
import { AckMessage, CommandMessage, CommandResult, Position, Q, Reading, StatusMessage, UplinkMessage, WIRE_VERSION } from "./types";

/** Largest payload accepted, in bytes (UTF-8). */
export const MAX_MESSAGE_BYTES = 65536;
/** Most readings in one uplink message. */
export const MAX_READINGS_PER_MESSAGE = 1000;
/** Longest reason text (reading.e, ack.err, result.err). */
export const MAX_REASON_LENGTH = 200;

/** Flags a node may set (bits 0..7); bits 8..15 are the gateway's. */
const NODE_FLAGS = 0xff;
const KEY_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Bytes of `s` in UTF-8, without TextEncoder (Espruino has none). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // BMP, or a lone surrogate (sent as U+FFFD, 3 bytes)
  }
  return n;
}

/**
 * Size check, then JSON.parse. `byteLength` is the payload's size when the caller has it
 * (MQTT payload length); otherwise it is computed from the text.
 */
export function parsePayload(text: string, byteLength?: number): ValidationResult<unknown> {
  if (typeof text !== "string") return invalid("", "payload must be text, got " + kindOf(text));
  const n = byteLength === undefined ? utf8Length(text) : byteLength;
  if (n > MAX_MESSAGE_BYTES) return invalid("", "payload of " + n + " bytes exceeds MAX_MESSAGE_BYTES (" + MAX_MESSAGE_BYTES + ")");
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return invalid("", "not JSON: " + (e instanceof Error ? e.message : String(e)));
  }
}

/** Accepts a parsed object, or JSON text (size-checked and parsed first). */
function toObject(json: unknown): ValidationResult<Obj> {
  let v = json;
  if (typeof json === "string") {
    const p = parsePayload(json);
    if (!p.ok) return p;
    v = p.value;
  }
  if (!isObject(v)) return invalid("", "message must be a JSON object, got " + kindOf(v));
  return { ok: true, value: v };
}

function version(o: Obj): ValidationResult<null> | null {
  if (!isInt(o.v)) return invalid("v", "version must be an integer, got " + kindOf(o.v));
  if (o.v !== WIRE_VERSION) return invalid("v", "unsupported version " + o.v + " (this reader knows " + WIRE_VERSION + ")");
  return null;
}

function nonNegInt(o: Obj, key: string, path: string, what: string, max: number): ValidationResult<null> | null {
  const x = o[key];
  if (x === undefined) return invalid(at(path, key), what + " is required");
  if (!isInt(x) || x < 0 || x > max) return invalid(at(path, key), what + " must be an integer 0.." + max + ", got " + (typeof x === "number" ? String(x) : kindOf(x)));
  return null;
}

function time(o: Obj, key: string, path: string, what: string): ValidationResult<null> | null {
  const x = o[key];
  if (!isFiniteNumber(x) || x < 0) return invalid(at(path, key), what + " must be a finite number >= 0, got " + (typeof x === "number" ? String(x) : kindOf(x)));
  return null;
}

function reason(x: unknown, path: string): ValidationResult<null> | null {
  if (x === undefined) return null;
  const r = stringReason(x, MAX_REASON_LENGTH);
  return r ? invalid(path, r) : null;
}

const MAX_U32 = 4294967295;
const MAX_SAFE = 9007199254740991;

function checkPosition(p: unknown, path: string): ValidationResult<null> | null {
  if (!Array.isArray(p) || p.length !== 3) return invalid(path, "position must be [latitude, longitude, fix quality]");
  if (!isFiniteNumber(p[0]) || p[0] < -90 || p[0] > 90) return invalid(idx(path, 0), "latitude must be a number within -90..90, got " + kindOf(p[0]) + (typeof p[0] === "number" ? " " + p[0] : ""));
  if (!isFiniteNumber(p[1]) || p[1] < -180 || p[1] > 180) return invalid(idx(path, 1), "longitude must be a number within -180..180, got " + kindOf(p[1]) + (typeof p[1] === "number" ? " " + p[1] : ""));
  const r = intReason(p[2], 0, 9);
  if (r) return invalid(idx(path, 2), "fix quality (NMEA GGA field 6) " + r);
  return null;
}

function checkReading(x: unknown, path: string): ValidationResult<null> | null {
  if (!Array.isArray(x)) return invalid(path, "reading must be an array [key, time, value, flags, extra?], got " + kindOf(x));
  if (x.length !== 4 && x.length !== 5) return invalid(path, "reading must have 4 or 5 elements, got " + x.length);
  if (typeof x[0] !== "string" || x[0].length > 65 || !KEY_RE.test(x[0])) return invalid(idx(path, 0), "sensor key must be \"<device>.<point>\" of [A-Za-z0-9_-], got " + JSON.stringify(x[0]));
  if (!isFiniteNumber(x[1]) || x[1] < 0) return invalid(idx(path, 1), "time must be a finite number >= 0, got " + (typeof x[1] === "number" ? String(x[1]) : kindOf(x[1])));
  if (x[2] !== null && !isFiniteNumber(x[2])) return invalid(idx(path, 2), "value must be a finite number or null, got " + kindOf(x[2]));
  if (!isInt(x[3]) || x[3] < 0 || x[3] > 0xffff) return invalid(idx(path, 3), "flags must be an integer 0..65535, got " + (typeof x[3] === "number" ? String(x[3]) : kindOf(x[3])));
  if (x[3] & ~NODE_FLAGS) return invalid(idx(path, 3), "flags " + x[3] + " set gateway bits (8..15); a node may set bits 0..7 only");
  const extra = x[4];
  if (extra !== undefined) {
    if (!isObject(extra)) return invalid(idx(path, 4), "extra must be an object {e?, p?}, got " + kindOf(extra));
    const e = reason(extra.e, idx(path, 4) + ".e");
    if (e) return e;
    if (extra.p !== undefined) {
      const p = checkPosition(extra.p, idx(path, 4) + ".p");
      if (p) return p;
    }
  }
  if (x[2] === null) {
    if (x[3] === 0 || (x[3] & ~Q.CLOCK_UNSYNC) === 0) return invalid(idx(path, 3), "a reading without a value must carry a flag saying why (e.g. MODBUS_ERROR or SENSOR_FAULT)");
    if (!isObject(extra) || typeof extra.e !== "string") return invalid(idx(path, 4), "a reading without a value must carry a reason (extra.e)");
  }
  return null;
}

/** UplinkMessage.p: absent, 0 (the node's oldest message), or a (boot, seq) before (b, s). */
function predecessor(o: Obj): ValidationResult<null> | null {
  const p = o.p;
  if (p === undefined || p === 0) return null;
  if (!Array.isArray(p) || p.length !== 2) return invalid("p", "predecessor must be 0 or [boot, seq], got " + kindOf(p));
  const b = p[0];
  const s = p[1];
  if (!isInt(b) || b < 0 || b > MAX_U32) return invalid("p[0]", "boot must be an integer 0.." + MAX_U32 + ", got " + JSON.stringify(b));
  if (!isInt(s) || s < 1 || s > MAX_SAFE) return invalid("p[1]", "seq must be an integer from 1, got " + JSON.stringify(s));
  if (compareBootSeq(b, s, o.b as number, o.s as number) >= 0) return invalid("p", "predecessor [" + b + "," + s + "] is not before the message's own [" + o.b + "," + o.s + "]");
  return null;
}

/**
 * The predecessor p of a message that may be invalid otherwise (the gateway acks a reject along
 * the chain too): p when it is present and valid for the message's own (b, s), else undefined.
 */
export function readPredecessor(o: Obj): [number, number] | 0 | undefined {
  return o.p !== undefined && predecessor(o) === null ? (o.p as [number, number] | 0) : undefined;
}

/** Checks everything of an uplink but its readings' contents. */
function uplinkEnvelope(json: unknown, topicNode: string): ValidationResult<Obj> {
  const t = toObject(json);
  if (!t.ok) return t;
  const o = t.value;
  const c =
    version(o) ||
    (typeof o.n !== "string" ? invalid("n", "node id must be a string, got " + kindOf(o.n)) : null) ||
    (o.n !== topicNode ? invalid("n", "node id " + JSON.stringify(o.n) + " does not match the topic's node " + JSON.stringify(topicNode)) : null) ||
    (!isValidId(o.n) ? invalid("n", "node id must be 1..32 characters of [A-Za-z0-9_-]") : null) ||
    nonNegInt(o, "b", "", "boot counter", MAX_U32) ||
    nonNegInt(o, "s", "", "sequence number", MAX_SAFE) ||
    (o.s === 0 ? invalid("s", "sequence number starts at 1") : null) ||
    time(o, "t", "", "send time") ||
    (o.cs !== 0 && o.cs !== 1 ? invalid("cs", "clock-synchronised must be 0 or 1, got " + JSON.stringify(o.cs)) : null) ||
    time(o, "up", "", "uptime") ||
    (o.su !== undefined ? time(o, "su", "", "uptime at send") : null) ||
    predecessor(o);
  if (c) return c as ValidationResult<Obj>;
  const r = o.r;
  if (!Array.isArray(r)) return invalid("r", "readings must be an array, got " + kindOf(r));
  if (r.length === 0) return invalid("r", "at least one reading is required");
  if (r.length > MAX_READINGS_PER_MESSAGE) return invalid("r", r.length + " readings exceed MAX_READINGS_PER_MESSAGE (" + MAX_READINGS_PER_MESSAGE + ")");
  return { ok: true, value: o };
}

/** Uplink on <base>/<farm>/node/<topicNode>/up: valid only if every reading is. */
export function validateUplink(json: unknown, topicNode: string): ValidationResult<UplinkMessage> {
  const env = uplinkEnvelope(json, topicNode);
  if (!env.ok) return env;
  const r = env.value.r as unknown[];
  for (let i = 0; i < r.length; i++) {
    const e = checkReading(r[i], idx("r", i));
    if (e) return e as ValidationResult<UplinkMessage>;
  }
  return { ok: true, value: env.value as unknown as UplinkMessage };
}

export interface RejectedReading {
  /** Index in the message's r. */
  index: number;
  path: string;
  reason: string;
  /** The reading as received, for the reject log. */
  reading: unknown;
}

export type PartialUplink = { ok: true; value: UplinkMessage; rejected: RejectedReading[] } | { ok: false; path: string; reason: string };

/**
 * Like validateUplink, but a bad reading costs only itself: the message's envelope (version,
 * node, boot, seq, times, the readings array) must be valid, and each reading that is not is
 * left out of value.r and listed in `rejected` with its path and reason. value.r may be empty
 * when every reading was bad; the message is still identified by (n, b, s) and can be acked.
 */
export function validateUplinkPartial(json: unknown, topicNode: string): PartialUplink {
  const env = uplinkEnvelope(json, topicNode);
  if (!env.ok) return env;
  const r = env.value.r as unknown[];
  const good: Reading[] = [];
  const rejected: RejectedReading[] = [];
  for (let i = 0; i < r.length; i++) {
    const e = checkReading(r[i], idx("r", i));
    if (e && !e.ok) rejected.push({ index: i, path: e.path, reason: e.reason, reading: r[i] });
    else good.push(r[i] as Reading);
  }
  const o = env.value;
  const value: UplinkMessage = { v: o.v as number, n: o.n as string, b: o.b as number, s: o.s as number, t: o.t as number, cs: o.cs as 0 | 1, up: o.up as number, r: good };
  if (o.p !== undefined) value.p = o.p as [number, number] | 0;
  if (o.su !== undefined) value.su = o.su as number;
  return { ok: true, value: value, rejected: rejected };
}

/** Ack on …/ack (gateway -> node). */
export function validateAck(json: unknown): ValidationResult<AckMessage> {
  const t = toObject(json);
  if (!t.ok) return t;
  const o = t.value;
  const c = version(o) || nonNegInt(o, "b", "", "boot counter", MAX_U32) || nonNegInt(o, "s", "", "sequence number", MAX_SAFE) || time(o, "t", "", "gateway time") || reason(o.err, "err");
  if (c) return c as ValidationResult<AckMessage>;
  return { ok: true, value: o as unknown as AckMessage };
}

function counters(x: unknown, path: string): ValidationResult<null> | null {
  if (!isObject(x)) return invalid(path, "must be an object of counters, got " + kindOf(x));
  const keys = Object.keys(x);
  if (keys.length > 64) return invalid(path, "at most 64 entries, got " + keys.length);
  for (let i = 0; i < keys.length; i++) {
    const c = nonNegInt(x, keys[i], path, "counter", MAX_SAFE);
    if (c) return c;
  }
  return null;
}

/** Status on …/status (retained; also the node's will {v, state: "offline"}). */
export function validateStatus(json: unknown): ValidationResult<StatusMessage> {
  const t = toObject(json);
  if (!t.ok) return t;
  const o = t.value;
  let c = version(o) || (o.state !== "online" && o.state !== "offline" ? invalid("state", "must be \"online\" or \"offline\", got " + JSON.stringify(o.state)) : null);
  if (c) return c as ValidationResult<StatusMessage>;
  if (o.fw !== undefined) c = reason(o.fw, "fw");
  if (!c && o.b !== undefined) c = nonNegInt(o, "b", "", "boot counter", MAX_U32);
  if (!c && o.up !== undefined) c = time(o, "up", "", "uptime");
  if (!c && o.t !== undefined) c = time(o, "t", "", "time");
  if (!c && o.cs !== undefined && o.cs !== 0 && o.cs !== 1) c = invalid("cs", "must be 0 or 1, got " + JSON.stringify(o.cs));
  if (!c && o.mem !== undefined) c = isObject(o.mem) ? nonNegInt(o.mem, "free", "mem", "free", MAX_SAFE) || nonNegInt(o.mem, "total", "mem", "total", MAX_SAFE) : invalid("mem", "must be {free, total}");
  if (!c && o.buf !== undefined) c = isObject(o.buf) ? nonNegInt(o.buf, "ram", "buf", "ram", MAX_SAFE) || nonNegInt(o.buf, "flash", "buf", "flash", MAX_SAFE) || nonNegInt(o.buf, "dropped", "buf", "dropped", MAX_SAFE) : invalid("buf", "must be {ram, flash, dropped}");
  if (!c && o.err !== undefined) c = counters(o.err, "err");
  if (!c && o.dev !== undefined) {
    if (!isObject(o.dev)) c = invalid("dev", "must be an object keyed by device id");
    else {
      const ids = Object.keys(o.dev);
      for (let i = 0; i < ids.length && !c; i++) {
        const d = o.dev[ids[i]];
        const p = at("dev", ids[i]);
        if (!isValidId(ids[i])) c = invalid(p, "device id must be 1..32 characters of [A-Za-z0-9_-]");
        else if (!isObject(d)) c = invalid(p, "must be {ok, err, off}");
        else c = nonNegInt(d, "ok", p, "ok", MAX_SAFE) || nonNegInt(d, "err", p, "err", MAX_SAFE) || (d.off !== 0 && d.off !== 1 ? invalid(at(p, "off"), "must be 0 or 1") : null);
      }
    }
  }
  if (c) return c as ValidationResult<StatusMessage>;
  return { ok: true, value: o as unknown as StatusMessage };
}

const OPS = ["config", "reboot", "resend", "ping"];

/** Command on …/cmd (gateway -> node). `knownMaps` is passed on to validateNodeConfig. */
export function validateCommand(json: unknown, knownMaps?: string[]): ValidationResult<CommandMessage> {
  const t = toObject(json);
  if (!t.ok) return t;
  const o = t.value;
  const c = version(o) || (stringReason(o.id, 64) ? invalid("id", "correlation id " + stringReason(o.id, 64)) : null) || (OPS.indexOf(o.op as string) < 0 ? invalid("op", "must be one of " + OPS.join(", ") + ", got " + JSON.stringify(o.op)) : null);
  if (c) return c as ValidationResult<CommandMessage>;
  if (o.exp !== undefined) {
    const e = time(o, "exp", "", "deadline");
    if (e) return e as ValidationResult<CommandMessage>;
  }
  if (o.op === "config") {
    if (o.cfg === undefined) return invalid("cfg", "op \"config\" needs the configuration in cfg");
    const v = validateNodeConfig(o.cfg, knownMaps);
    if (!v.ok) return invalid(v.path ? "cfg." + v.path : "cfg", v.reason);
  } else if (o.cfg !== undefined) {
    return invalid("cfg", "only op \"config\" carries a configuration");
  }
  return { ok: true, value: o as unknown as CommandMessage };
}

/** Command result on …/cmd/res (node -> gateway). */
export function validateCommandResult(json: unknown): ValidationResult<CommandResult> {
  const t = toObject(json);
  if (!t.ok) return t;
  const o = t.value;
  const c =
    version(o) ||
    (stringReason(o.id, 64) ? invalid("id", "correlation id " + stringReason(o.id, 64)) : null) ||
    (typeof o.ok !== "boolean" ? invalid("ok", "must be true or false, got " + kindOf(o.ok)) : null) ||
    reason(o.err, "err") ||
    (o.ok === false && o.err === undefined ? invalid("err", "a failed command must say why") : null) ||
    time(o, "t", "", "time");
  if (c) return c as ValidationResult<CommandResult>;
  return { ok: true, value: o as unknown as CommandResult };
}

/** Position helper for the node: [lat, lon, fix] rounded to 1e-6 degrees (about 0.1 m). */
export function position(lat: number, lon: number, fix: number): Position {
  return [Math.round(lat * 1e6) / 1e6, Math.round(lon * 1e6) / 1e6, fix];
}

/** Reading tuple helper for the node; omits the extra element when it is empty. */
export function reading(key: string, t: number, value: number | null, flags: number, e?: string, p?: Position): Reading {
  if (e === undefined && p === undefined) return [key, t, value, flags];
  const x: { e?: string; p?: Position } = {};
  if (e !== undefined) x.e = e;
  if (p !== undefined) x.p = p;
  return [key, t, value, flags, x];
}

/**
 * (b1, s1) compared with (b2, s2) lexicographically: negative, 0 or positive. The order of
 * messages from one node, and the meaning of a cumulative ack (see AckMessage).
 */
export function compareBootSeq(b1: number, s1: number, b2: number, s2: number): number {
  return b1 !== b2 ? b1 - b2 : s1 - s2;
}
