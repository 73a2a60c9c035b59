import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Q, UplinkMessage, WIRE_VERSION } from "./types";
import {
  compareBootSeq,
  MAX_MESSAGE_BYTES,
  MAX_READINGS_PER_MESSAGE,
  parsePayload,
  position,
  reading,
  readPredecessor,
  utf8Length,
  validateAck,
  validateCommand,
  validateCommandResult,
  validateStatus,
  validateUplink,
  validateUplinkPartial,
} from "./validate";

const good = (): UplinkMessage => ({
  v: 1,
  n: "pit-1",
  b: 7,
  s: 42,
  t: 1764000000000,
  cs: 1,
  up: 3600000,
  r: [
    ["lvl.distance", 1764000000000, 1.234, 0],
    ["pile1.t3", 1764000000000, null, Q.SENSOR_FAULT, { e: "device reports fault (raw -32768)" }],
    ["lvl.distance", 125000, 1.2, Q.CLOCK_UNSYNC],
    ["scale.weight", 1764000000000, 8450, 0, { p: [41.796, 123.4, 1] }],
  ],
});

function fails(msg: unknown, node = "pit-1"): string {
  const r = validateUplink(msg, node);
  if (r.ok) throw new Error("expected invalid: " + JSON.stringify(msg));
  return r.path + ": " + r.reason;
}

function mutate(f: (m: Record<string, unknown> & { r: unknown[][] }) => void): unknown {
  const m = good() as unknown as Record<string, unknown> & { r: unknown[][] };
  f(m);
  return m;
}

describe("validateUplink", () => {
  it("accepts the documented example, parsed or as text", () => {
    expect(validateUplink(good(), "pit-1")).toEqual({ ok: true, value: good() });
    expect(validateUplink(JSON.stringify(good()), "pit-1").ok).toBe(true);
  });

  it("gives precise paths and reasons", () => {
    expect(fails(mutate((m) => (m.r[3][1] = NaN)))).toBe("r[3][1]: time must be a finite number >= 0, got NaN");
    expect(fails(mutate((m) => (m.r[3][1] = "1764")))).toBe("r[3][1]: time must be a finite number >= 0, got string");
    expect(fails(good(), "pit-2")).toBe('n: node id "pit-1" does not match the topic\'s node "pit-2"');
    expect(fails(mutate((m) => delete m.b))).toBe("b: boot counter is required");
    expect(fails(mutate((m) => (m.s = 0)))).toBe("s: sequence number starts at 1");
    expect(fails(mutate((m) => (m.s = 1.5)))).toMatch(/^s: sequence number must be an integer/);
    expect(fails(mutate((m) => (m.v = 2)))).toBe("v: unsupported version 2 (this reader knows 1)");
    expect(fails(mutate((m) => (m.cs = true)))).toMatch(/^cs: /);
    expect(fails(mutate((m) => (m.up = -1)))).toMatch(/^up: uptime/);
    expect(fails(mutate((m) => (m.t = Infinity)))).toMatch(/^t: send time .* got Infinity/);
    expect(fails(mutate((m) => (m.r = [])))).toBe("r: at least one reading is required");
    expect(fails(mutate((m) => (m.r = {} as unknown as unknown[][])))).toBe("r: readings must be an array, got object");
    expect(fails(mutate((m) => (m.r[0] = "x" as unknown as unknown[])))).toMatch(/^r\[0\]: reading must be an array/);
    expect(fails(mutate((m) => (m.r[0] = ["lvl.distance", 1, 2])))).toBe("r[0]: reading must have 4 or 5 elements, got 3");
    expect(fails(mutate((m) => (m.r[0][0] = "distance")))).toMatch(/^r\[0\]\[0\]: sensor key must be "<device>.<point>"/);
    expect(fails(mutate((m) => (m.r[0][2] = "1.2")))).toBe("r[0][2]: value must be a finite number or null, got string");
    expect(fails(mutate((m) => (m.r[0][2] = NaN)))).toBe("r[0][2]: value must be a finite number or null, got NaN");
    expect(fails(mutate((m) => (m.r[0][3] = 256)))).toMatch(/^r\[0\]\[3\]: flags 256 set gateway bits/);
    expect(fails(mutate((m) => (m.r[0][3] = -1)))).toMatch(/^r\[0\]\[3\]: flags must be an integer/);
    expect(fails(mutate((m) => (m.r[1][3] = 0)))).toMatch(/^r\[1\]\[3\]: a reading without a value must carry a flag/);
    expect(fails(mutate((m) => (m.r[1] = ["pile1.t3", 1, null, Q.MODBUS_ERROR])))).toMatch(/^r\[1\]\[4\]: a reading without a value must carry a reason/);
    expect(fails(mutate((m) => (m.r[3][4] = { p: [91, 0, 1] })))).toMatch(/^r\[3\]\[4\]\.p\[0\]: latitude/);
    expect(fails(mutate((m) => (m.r[3][4] = { p: [41, 0] })))).toMatch(/^r\[3\]\[4\]\.p: position must be/);
    expect(fails(mutate((m) => (m.r[3][4] = { p: [41, 0, 1.5] })))).toMatch(/^r\[3\]\[4\]\.p\[2\]: fix quality/);
    expect(fails(mutate((m) => (m.r[3][4] = { e: "x".repeat(201) })))).toMatch(/^r\[3\]\[4\]\.e: must be at most 200/);
    expect(fails(null)).toBe(": message must be a JSON object, got null");
    expect(fails([1])).toBe(": message must be a JSON object, got array");
    expect(fails("{nope")).toMatch(/^: not JSON/);
  });

  it("refuses huge arrays and huge payloads with the limit in the reason", () => {
    const many = mutate((m) => {
      m.r = [];
      for (let i = 0; i <= MAX_READINGS_PER_MESSAGE; i++) m.r.push(["a.b", i, i, 0]);
    });
    expect(fails(many)).toBe("r: " + (MAX_READINGS_PER_MESSAGE + 1) + " readings exceed MAX_READINGS_PER_MESSAGE (" + MAX_READINGS_PER_MESSAGE + ")");
    const big = JSON.stringify(mutate((m) => (m.pad = "é".repeat(MAX_MESSAGE_BYTES / 2))));
    expect(fails(big)).toMatch(/^: payload of \d+ bytes exceeds MAX_MESSAGE_BYTES \(65536\)/);
    expect(parsePayload("{}", MAX_MESSAGE_BYTES + 1).ok).toBe(false);
  });

  it("ignores unknown fields (forward compatible within v1)", () => {
    expect(validateUplink(mutate((m) => (m.later = 1)), "pit-1").ok).toBe(true);
  });

  it("checks the predecessor p (absent, 0, or a (boot, seq) before the message's own) and the uptime at send su", () => {
    const b = good().b;
    const s = good().s;
    expect(validateUplink(mutate((m) => (m.p = 0)), "pit-1").ok).toBe(true);
    expect(validateUplink(mutate((m) => (m.p = [b, s - 1])), "pit-1").ok).toBe(true);
    expect(validateUplink(mutate((m) => (m.p = [b - 1, 900])), "pit-1").ok).toBe(true);
    expect(fails(mutate((m) => (m.p = [b, s])))).toBe(`p: predecessor [${b},${s}] is not before the message's own [${b},${s}]`);
    expect(fails(mutate((m) => (m.p = [b + 1, 1])))).toMatch(/^p: predecessor .* is not before/);
    expect(fails(mutate((m) => (m.p = 1)))).toBe("p: predecessor must be 0 or [boot, seq], got number");
    expect(fails(mutate((m) => (m.p = [b])))).toBe("p: predecessor must be 0 or [boot, seq], got array");
    expect(fails(mutate((m) => (m.p = [-1, 1])))).toMatch(/^p\[0\]: boot must be an integer/);
    expect(fails(mutate((m) => (m.p = [b, 0])))).toBe("p[1]: seq must be an integer from 1, got 0");
    expect(fails(mutate((m) => (m.p = [b, "3"])))).toBe('p[1]: seq must be an integer from 1, got "3"');
    expect(validateUplink(mutate((m) => (m.su = 7_200_000)), "pit-1").ok).toBe(true);
    expect(fails(mutate((m) => (m.su = -5)))).toMatch(/^su: uptime at send/);
    expect(fails(mutate((m) => (m.su = "5")))).toMatch(/^su: uptime at send/);
    // On a message invalid otherwise (a reject), p is read when it is valid for its (b, s).
    expect(readPredecessor({ b, s, p: [b, s - 1], r: "junk" })).toEqual([b, s - 1]);
    expect(readPredecessor({ b, s, p: 0 })).toBe(0);
    expect(readPredecessor({ b, s, p: [b, s] })).toBeUndefined();
    expect(readPredecessor({ b, s })).toBeUndefined();
    const partial = validateUplinkPartial(mutate((m) => (m.p = [b, s - 1])), "pit-1");
    expect(partial.ok && partial.value.p).toEqual([b, s - 1]);
  });

  it("never throws, whatever it is given (property)", () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        const r = validateUplink(x, "pit-1");
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
    // Mutating one field of a good message to anything is either still valid or names a path.
    fc.assert(
      fc.property(fc.constantFrom("v", "n", "b", "s", "t", "cs", "up", "r", "p", "su"), fc.anything(), (k, x) => {
        const m = good() as unknown as Record<string, unknown>;
        m[k] = x;
        const r = validateUplink(m, "pit-1");
        if (!r.ok) expect(r.path.startsWith(k)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("validateUplinkPartial", () => {
  it("keeps the good readings and lists the bad ones with path and reason", () => {
    const m = mutate((x) => {
      x.r[1][3] = 0; // null without a flag
      x.r[2][1] = "soon";
    });
    const r = validateUplinkPartial(m, "pit-1");
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.r).toEqual([good().r[0], good().r[3]]);
    expect(r.rejected.map((x) => [x.index, x.path])).toEqual([
      [1, "r[1][3]"],
      [2, "r[2][1]"],
    ]);
    expect(r.rejected[1].reason).toBe("time must be a finite number >= 0, got string");
    expect(r.rejected[1].reading).toEqual(["lvl.distance", "soon", 1.2, Q.CLOCK_UNSYNC]);
    expect(validateUplinkPartial(good(), "pit-1")).toEqual({ ok: true, value: good(), rejected: [] });
  });
  it("still refuses a bad envelope as a whole", () => {
    expect(validateUplinkPartial(good(), "pit-9")).toMatchObject({ ok: false, path: "n" });
    expect(validateUplinkPartial(mutate((x) => (x.s = -1)), "pit-1")).toMatchObject({ ok: false, path: "s" });
  });
  it("agrees with validateUplink on whether a message is entirely valid (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 }), fc.anything(), (i, j, x) => {
        const m = good() as unknown as { r: unknown[][] };
        m.r[i][j] = x;
        const strict = validateUplink(m, "pit-1");
        const partial = validateUplinkPartial(m, "pit-1");
        expect(partial.ok).toBe(true);
        if (partial.ok) expect(strict.ok).toBe(partial.rejected.length === 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe("validateAck, validateStatus, validateCommand, validateCommandResult", () => {
  it("ack", () => {
    expect(validateAck({ v: 1, b: 7, s: 42, t: 1764000000500 }).ok).toBe(true);
    expect(validateAck({ v: 1, b: 7, s: 43, t: 1764000000500, err: "r[3][1]: time must be a finite number" }).ok).toBe(true);
    expect(validateAck({ v: 1, b: 7, s: 42 })).toMatchObject({ ok: false, path: "t" });
    expect(validateAck({ v: 1, b: -1, s: 42, t: 1 })).toMatchObject({ ok: false, path: "b" });
    expect(validateAck({ v: 1, b: 1, s: 42, t: 1, err: 5 })).toMatchObject({ ok: false, path: "err" });
  });
  it("status and will", () => {
    expect(validateStatus({ v: 1, state: "offline" }).ok).toBe(true);
    const s = { v: 1, state: "online", fw: "0.1.0", b: 7, up: 1000, t: 1764000000000, cs: 1, mem: { free: 4000, total: 12000 }, buf: { ram: 3, flash: 120, dropped: 0 }, err: { mbTimeout: 2, crc: 0 }, dev: { lvl: { ok: 10, err: 1, off: 0 } } };
    expect(validateStatus(s).ok).toBe(true);
    expect(validateStatus({ ...s, state: "up" })).toMatchObject({ ok: false, path: "state" });
    expect(validateStatus({ ...s, mem: { free: "a", total: 1 } })).toMatchObject({ ok: false, path: "mem.free" });
    expect(validateStatus({ ...s, err: { crc: -1 } })).toMatchObject({ ok: false, path: "err.crc" });
    expect(validateStatus({ ...s, dev: { lvl: { ok: 1, err: 0, off: 2 } } })).toMatchObject({ ok: false, path: "dev.lvl.off" });
    expect(validateStatus({ ...s, buf: { ram: 1, flash: 2 } })).toMatchObject({ ok: false, path: "buf.dropped" });
  });
  it("cmd validates the pushed configuration with a cfg. path", () => {
    const cfg = { node: "pit-1", farm: "demo", mqtt: { host: "10.0.0.1", port: 1883 }, devices: [] };
    expect(validateCommand({ v: 1, id: "c1", op: "config", cfg }).ok).toBe(true);
    expect(validateCommand({ v: 1, id: "c2", op: "reboot" }).ok).toBe(true);
    expect(validateCommand({ v: 1, id: "c3", op: "config" })).toMatchObject({ ok: false, path: "cfg" });
    expect(validateCommand({ v: 1, id: "c3", op: "config", cfg: { ...cfg, mqtt: { host: "h", port: 0 } } })).toEqual({ ok: false, path: "cfg.mqtt.port", reason: "must be within 1..65535, got 0" });
    expect(validateCommand({ v: 1, id: "c4", op: "format" })).toMatchObject({ ok: false, path: "op" });
    expect(validateCommand({ v: 1, id: "", op: "ping" })).toMatchObject({ ok: false, path: "id" });
    expect(validateCommand({ v: 1, id: "c5", op: "ping", cfg })).toMatchObject({ ok: false, path: "cfg" });
    expect(validateCommand({ v: 1, id: "c6", op: "ping", exp: 1780000000000 }).ok).toBe(true);
    expect(validateCommand({ v: 1, id: "c6", op: "ping", exp: "soon" })).toMatchObject({ ok: false, path: "exp" });
    expect(validateCommand({ v: 1, id: "c6", op: "ping", exp: -1 })).toMatchObject({ ok: false, path: "exp" });
  });
  it("cmd result", () => {
    expect(validateCommandResult({ v: 1, id: "c1", ok: true, t: 5 }).ok).toBe(true);
    expect(validateCommandResult({ v: 1, id: "c1", ok: false, t: 5 })).toMatchObject({ ok: false, path: "err" });
    expect(validateCommandResult({ v: 1, id: "c1", ok: "yes", t: 5 })).toMatchObject({ ok: false, path: "ok" });
    expect(validateCommandResult({ v: WIRE_VERSION, id: "c1", ok: false, err: "bad config", t: 5 }).ok).toBe(true);
  });
});

describe("helpers", () => {
  it("utf8Length matches TextEncoder", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom("\ud800", "\udc00"), fc.string({ unit: "grapheme" })) }), (s) => {
        expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
      }),
    );
  });
  it("reading(), position() and compareBootSeq()", () => {
    expect(reading("a.b", 1, 2, 0)).toEqual(["a.b", 1, 2, 0]);
    expect(reading("a.b", 1, null, Q.MODBUS_ERROR, "timeout")).toEqual(["a.b", 1, null, 1, { e: "timeout" }]);
    expect(position(41.79612345, 123.4, 1)).toEqual([41.796123, 123.4, 1]);
    expect(compareBootSeq(2, 1, 1, 999)).toBeGreaterThan(0);
    expect(compareBootSeq(2, 5, 2, 6)).toBeLessThan(0);
    expect(compareBootSeq(2, 5, 2, 5)).toBe(0);
  });
});
