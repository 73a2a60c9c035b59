/**
 * Runs the ES5 bundle (scripts/build.mjs) in a node:vm context stripped of what Espruino
 * lacks (../shared/espruino.md), and runs golden vectors INSIDE that context: a use of any
 * missing built-in anywhere on these paths throws there, in a test, not on a farm.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/tmp";
import * as host from "../src/index";

const PKG = join(__dirname, "..");
const tmp = tempDir("protocol-build-");
let ctx: vm.Context;

/** Built-ins Espruino 2v2x does not have. */
const REMOVE = `
  delete globalThis.Map; delete globalThis.Set; delete globalThis.WeakMap; delete globalThis.WeakSet;
  delete globalThis.WeakRef; delete globalThis.Symbol; delete globalThis.Reflect; delete globalThis.Proxy;
  delete globalThis.BigInt; delete globalThis.BigInt64Array; delete globalThis.BigUint64Array;
  delete globalThis.SharedArrayBuffer; delete globalThis.Atomics; delete globalThis.Intl;
  delete globalThis.TextEncoder; delete globalThis.TextDecoder; delete globalThis.Buffer;
  delete Array.from; delete Array.of; delete Array.prototype.flat; delete Array.prototype.flatMap;
  delete Math.trunc; delete Math.sign; delete Math.imul; delete Math.log10; delete Math.hypot;
  delete Number.isInteger; delete Number.isFinite; delete Number.isNaN; delete Number.EPSILON;
  delete Object.freeze; delete Object.isFrozen; delete Object.seal; delete Object.fromEntries;
  delete Promise.race; delete Promise.allSettled; delete Promise.any; delete Promise.prototype.finally;
  delete String.prototype.padEnd; delete String.prototype.startsWith; delete String.prototype.endsWith;
  delete String.prototype.codePointAt; delete String.fromCodePoint; delete String.raw;
`;

function run<T>(code: string): T {
  // Results cross the realm boundary as JSON so that comparisons see plain values.
  return JSON.parse(vm.runInContext("JSON.stringify((function(){" + code + "})())", ctx, { timeout: 10_000 }));
}

beforeAll(() => {
  execFileSync(process.execPath, [join(PKG, "scripts", "build.mjs"), "--out", tmp.dir], { stdio: "pipe" });
  const bundle = readFileSync(join(tmp.dir, "protocol.js"), "utf8");
  ctx = vm.createContext({});
  vm.runInContext(REMOVE, ctx);
  vm.runInContext(bundle, ctx, { filename: "protocol.js" });
  vm.runInContext(CALL, ctx);
}, 120_000);

/**
 * Differential calls: the same function with the same arguments in the restricted context
 * (bundle) and in Node (TypeScript source). Uint8Arrays travel as {"$u8": [...]}, thrown
 * errors come back as {"$throw": message}.
 */
const CALL = `
  function __revive(k, v) { return v && typeof v === "object" && v.$u8 ? new Uint8Array(v.$u8) : v; }
  function __replace(k, v) {
    if (v instanceof Uint8Array) { var a = []; for (var i = 0; i < v.length; i++) a.push(v[i]); return { $u8: a }; }
    return v;
  }
  function __call(name, args) {
    try { return JSON.stringify(Protocol[name].apply(null, JSON.parse(args, __revive)), __replace); }
    catch (e) { return JSON.stringify({ $throw: String(e && e.message) }); }
  }
`;

function revive(_k: string, v: unknown): unknown {
  return v && typeof v === "object" && "$u8" in v ? new Uint8Array((v as { $u8: number[] }).$u8) : v;
}
function replace(_k: string, v: unknown): unknown {
  return v instanceof Uint8Array ? { $u8: Array.from(v) } : v;
}
function both(name: string, ...args: unknown[]): [unknown, unknown] {
  const text = JSON.stringify(args, replace);
  const inVm = vm.runInContext("__call(" + JSON.stringify(name) + ", " + JSON.stringify(text) + ")", ctx, { timeout: 10_000 });
  let inHost: string;
  try {
    const fn = (host as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    inHost = JSON.stringify(fn(...(JSON.parse(text, revive) as unknown[])), replace);
  } catch (e) {
    inHost = JSON.stringify({ $throw: String((e as Error).message) });
  }
  return [JSON.parse(inVm ?? "null"), JSON.parse(inHost ?? "null")];
}

afterAll(() => tmp.cleanup());

describe("protocol bundle in an Espruino-like context", () => {
  it("the context really lacks the built-ins", () => {
    expect(run("return [typeof Map, typeof Set, typeof Symbol, typeof Array.from, typeof Math.trunc, typeof Number.isInteger, typeof Object.freeze, typeof Buffer, typeof Promise.race]")).toEqual(
      Array(9).fill("undefined"),
    );
    expect(run("return typeof Protocol.crc16")).toBe("function");
  });

  it("CRC-16/MODBUS (Serial Line §6.2.2)", () => {
    expect(run("return Protocol.crc16(new Uint8Array([2, 7]))")).toBe(0x1241);
    expect(run("return Protocol.checkCrc(Protocol.fromHex('11 03 00 6B 00 03 76 87'))")).toBe(true);
  });

  it("encodes a read, assembles the reply from chunks with noise, decodes it (Application Protocol §6.3)", () => {
    const r = run<{ req: string; frame: string; values: number[]; dropped: number }>(`
      var P = Protocol;
      var req = P.encodeReadRequest(0x11, 3, 0x6B, 3);
      var resp = P.encodeReadRegistersResponse(0x11, 3, [0x022B, 0x0000, 0x0064]);
      var a = new P.FrameAssembler();
      a.expect(req);
      var frame = a.push(new Uint8Array([0xFF, 0x00]));
      for (var i = 0; i < resp.length && !frame; i += 3) frame = a.push(resp.subarray(i, i + 3));
      var d = P.decodeResponse(req, frame);
      return { req: P.toHex(req), frame: P.toHex(frame), values: d.values, dropped: a.droppedBytes };
    `);
    expect(r.req).toBe("11 03 00 6B 00 03 76 87");
    expect(r.values).toEqual([555, 0, 100]);
    expect(r.dropped).toBe(2);
  });

  it("reports an exception response by name", () => {
    expect(run("var q = Protocol.encodeReadRequest(10, 1, 0x04A1, 1); var e = Protocol.decodeResponse(q, Protocol.encodeException(10, 1, 2)); return [e.ok, e.code, e.name]")).toEqual([
      false,
      2,
      "ILLEGAL DATA ADDRESS",
    ]);
  });

  it("slave side: decodes a request and encodes the response", () => {
    expect(
      run("var d = Protocol.decodeRequest(Protocol.encodeWriteMultipleRegisters(1, 1, [10, 258])); return [d.ok, d.request.values, Protocol.toHex(Protocol.encodeResponse(d.request))]"),
    ).toEqual([true, [10, 258], "01 10 00 01 00 02 10 08"]);
  });

  it("validates a shipped register map, plans its reads and decodes its points", () => {
    const map = readFileSync(join(PKG, "maps", "load-cell.json"), "utf8");
    const r = run<[boolean, number[][], (number | null)[]]>(`
      var P = Protocol;
      var v = P.validateRegisterMap(JSON.parse(${JSON.stringify(map)}));
      var plan = P.planReads(v.value.points, { maxGap: v.value.maxGap });
      var regs = [0x3039, 0x0000, 0x0001];
      var vals = [];
      for (var i = 0; i < plan[0].points.length; i++) vals.push(P.decodePoint(plan[0].points[i], regs, plan[0].address).value);
      return [v.ok, plan.map(function (b) { return [b.fc, b.address, b.count]; }), vals];
    `);
    expect(r).toEqual([true, [[3, 0, 3]], [12345, 1, 0]]);
    expect(run("var p = { name: 'x', table: 'holding', address: 0, type: 'f32', order: 'CDAB' }; return Protocol.decodePoint(p, Protocol.encodePoint(p, 12.5)).value")).toBe(12.5);
    expect(run("return Protocol.decodePoint({ name: 't', table: 'holding', address: 0, type: 's16', scale: 0.1, sentinel: [-32768] }, [0x8000])")).toEqual({
      value: null,
      flags: 4,
      reason: "device reports fault (raw -32768)",
    });
    expect(run("var r = Protocol.validateRegisterMap({ id: 'd', name: 'n', points: [{ name: 'a', table: 'coil', address: 0, type: 'u16' }] }); return [r.path, r.reason]")).toEqual([
      "points[0].type",
      "a coil holds one bit: type must be bool, got u16",
    ]);
  });

  it("parses NMEA and encodes it", () => {
    expect(run("var g = Protocol.parseGGA('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47'); return [g.value.lat, g.value.lon, g.value.fix]")).toEqual([48.1173, 11.5166667, 1]);
    expect(run("return Protocol.parseRMC('$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A').value.time")).toBe(Date.UTC(1994, 2, 23, 12, 35, 19));
    expect(run("var s = Protocol.encodeRMC({ time: 1764000000000, lat: -33.5, lon: 151.25, valid: true }); return Protocol.parseRMC(s).value")).toMatchObject({
      time: 1764000000000,
      lat: -33.5,
      lon: 151.25,
    });
  });

  it("validates wire messages and node configuration with paths", () => {
    const msg = { v: 1, n: "pit-1", b: 1, s: 1, t: 5, cs: 0, up: 5, r: [["lvl.distance", 5, 1.2, 8], ["lvl.distance", "x", 1, 0]] };
    expect(run("var r = Protocol.validateUplink(" + JSON.stringify(JSON.stringify(msg)) + ", 'pit-1'); return [r.path, r.reason]")).toEqual([
      "r[1][1]",
      "time must be a finite number >= 0, got string",
    ]);
    expect(run("return Protocol.validateAck({ v: 1, b: 1, s: 1, t: 5 }).ok")).toBe(true);
    expect(run("var r = Protocol.validateNodeConfig({ node: 'n', farm: 'f', mqtt: { host: 'h', port: 70000 }, devices: [] }); return [r.path, r.reason]")).toEqual([
      "mqtt.port",
      "must be within 1..65535, got 70000",
    ]);
    expect(run("return Protocol.utf8Length('粪污')")).toBe(6);
  });
});

describe("bundle in the restricted context behaves like the TypeScript source (properties)", () => {
  const same = (name: string, ...args: unknown[]) => {
    const [a, b] = both(name, ...args);
    expect(a).toEqual(b);
  };
  const bytes = fc.uint8Array({ maxLength: 64 });

  it("Modbus: CRC, request/response decoding of random and corrupted frames, encoders", () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 1, max: 247 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 300 }), fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 130 }), fc.nat(40), (b, unit, f, count, regs, flip) => {
        same("crc16", b);
        same("decodeRequest", b);
        // Frames with a good CRC and arbitrary content reach the deeper checks and error paths.
        for (const code of [1, 3, 5, 6, 15, 16, 0x83, 0x2b]) {
          const framed = host.putCrc(new Uint8Array([unit, code, ...b, 0, 0]));
          same("decodeRequest", framed);
        }
        same("requestFrameLength", b);
        const req = both("encodeReadRequest", unit, f, 0, count);
        expect(req[0]).toEqual(req[1]);
        if ((req[1] as { $throw?: string }).$throw) return;
        const reqBytes = new Uint8Array((req[1] as { $u8: number[] }).$u8);
        const resp = f <= 2 ? host.encodeReadBitsResponse(unit, f, regs.map((r) => r & 1)) : host.encodeReadRegistersResponse(unit, f, regs.slice(0, 125));
        same("decodeResponse", reqBytes, resp);
        const bad = resp.slice();
        bad[flip % bad.length] ^= 0x5a;
        same("decodeResponse", reqBytes, bad);
        same("decodeResponse", reqBytes, b);
        same("decodeResponse", reqBytes, host.putCrc(new Uint8Array([unit, (flip & 1 ? 0x80 : 0) | f, ...b, 0, 0])));
        same("encodeWriteMultipleRegisters", unit, count, regs);
        same("encodeWriteMultipleCoils", unit, count, regs.map((r) => r & 1));
      }),
      { numRuns: 150 },
    );
  });

  it("register maps: validation of mutated maps, decoding of random registers", () => {
    const map = JSON.parse(readFileSync(join(PKG, "maps", "load-cell.json"), "utf8"));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.constantFrom("name", "table", "address", "type", "order", "bit", "scale", "range", "sentinel", "poll"), fc.jsonValue(), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 2, maxLength: 2 }), fc.constantFrom("u16", "s16", "u32", "s32", "f32"), fc.constantFrom("ABCD", "CDAB", "BADC", "DCBA"), (i, k, v, regs, type, order) => {
        const m = JSON.parse(JSON.stringify(map));
        m.points[i][k] = v;
        same("validateRegisterMap", m);
        const wide = type === "u32" || type === "s32" || type === "f32";
        const p = { name: "x", table: "holding", address: 0, type, order: wide ? order : undefined, scale: 0.1, offset: -3, range: [-50, 50], sentinel: wide ? undefined : [32767] };
        same("decodePoint", p, regs);
        same("encodePoint", p, (regs[0] - 30000) / 7);
        same("planReads", m.points, { maxGap: regs[0] % 5, maxRegisters: 1 + (regs[1] % 125) });
      }),
      { numRuns: 150 },
    );
  });

  it("wire and configuration validators on mutated messages, NMEA on mutated sentences", () => {
    const up = { v: 1, n: "pit-1", b: 1, s: 2, t: 5, cs: 1, up: 9, r: [["a.b", 5, 1.5, 0], ["a.c", 5, null, 4, { e: "fault" }], ["t.w", 6, 8, 0, { p: [41.8, 123.4, 1] }]] };
    const cfg = { node: "n", farm: "f", mqtt: { host: "h", port: 1883 }, bus: { serial: "Serial2", baud: 9600 }, devices: [{ id: "d", unit: 1, map: "m", every: 60, fast: 5 }] };
    const GGA = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47";
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 4 }), fc.jsonValue(), fc.constantFrom("v", "n", "b", "s", "t", "cs", "up", "node", "mqtt", "bus", "devices"), fc.nat(70), fc.string({ minLength: 1, maxLength: 1 }), (i, j, v, k, pos, ch) => {
        const m = JSON.parse(JSON.stringify(up));
        m.r[i][j] = v;
        same("validateUplink", m, "pit-1");
        same("validateUplinkPartial", m, "pit-1");
        same("validateUplink", JSON.stringify({ ...up, [k]: v }), "pit-1");
        same("validateNodeConfig", { ...cfg, [k]: v });
        same("validateAck", { v: 1, b: 1, s: 2, t: 3, [k]: v });
        same("validateStatus", { v: 1, state: "online", [k]: v });
        same("validateCommand", { v: 1, id: "c", op: "config", cfg: { ...cfg, [k]: v } });
        const s = GGA.slice(0, pos) + ch + GGA.slice(pos + 1);
        same("parseGGA", s);
        same("parseRMC", s.replace("GPGGA", "GPRMC"));
      }),
      { numRuns: 150 },
    );
  });
});
