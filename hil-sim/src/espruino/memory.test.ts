import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../clock/virtual-clock";
import { EspruinoRuntime } from "./runtime";
import { LINUX64_LAYOUT } from "./memory";

const rts: EspruinoRuntime[] = [];
afterEach(() => {
  for (const r of rts.splice(0)) r.dispose();
});

function boot(bundle: string, linux = false) {
  const clock = new VirtualClock();
  const rt = new EspruinoRuntime({ clock, bundle, memoryRefreshMs: 0, memory: linux ? { layout: LINUX64_LAYOUT, total: 4096 } : undefined });
  rts.push(rt);
  rt.boot();
  return { rt, clock };
}

describe("process.memory()", () => {
  it("reports Espruino's fields with the ESP32 total and a baseline for an empty program", () => {
    const { rt } = boot("var x;");
    const m = rt.evaluate("process.memory()") as Record<string, number>;
    expect(Object.keys(m).sort()).toEqual(["blocksize", "free", "gc", "gctime", "history", "total", "usage"]);
    expect(m.total).toBe(16383);
    expect(m.blocksize).toBe(14);
    expect(m.usage).toBeGreaterThanOrEqual(35);
    expect(m.usage).toBeLessThan(40);
    expect(m.free + m.usage).toBe(m.total);
  });

  it("counts state held only in closures (an IIFE bundle), and sees it grow and shrink", () => {
    const { rt, clock } = boot(`
      (function () {
        var queue = [];
        var name = "a string of exactly forty characters....";
        function add(n) { for (var i = 0; i < n; i++) queue.push(i); }
        function clear() { queue = []; }
        setInterval(function () { add(100); }, 1000);
        E.on("kill", clear);
        global.usage = function () { return process.memory().usage; };
        global.clearQ = clear;
      })();
    `);
    const u0 = rt.evaluate("usage()") as number;
    clock.advance(1000);
    const u1 = rt.evaluate("usage()") as number;
    clock.advance(1000);
    const u2 = rt.evaluate("usage()") as number;
    // 100 small integers in an array: one block each (index name with the value inline)
    expect(u1 - u0).toBe(100);
    expect(u2 - u1).toBe(100);
    rt.evaluate("clearQ()");
    expect(rt.evaluate("usage()")).toBe(u0);
    expect(rt.memoryUsage()).toBe(u0);
  });

  it("closures made by one factory are counted apart, also on later (grouped) estimates", () => {
    const { rt } = boot(`
      (function () {
        var mods = [];
        function make(n) { var own = []; return { add: function () { for (var i = 0; i < n; i++) own.push(i); } }; }
        for (var k = 0; k < 3; k++) mods.push(make(10));
        global.mods = mods;
      })();
    `);
    const u0 = rt.memoryUsage();
    expect(rt.memoryUsage()).toBe(u0);
    rt.evaluate("mods[1].add()");
    const u1 = rt.memoryUsage();
    expect(u1 - u0).toBe(10);
    rt.evaluate("mods[2].add()");
    rt.evaluate("mods[2].add()");
    expect(rt.memoryUsage() - u1).toBe(20);
  });

  it("running out of JsVars sets the MEMORY error flag and prints Out of Memory", () => {
    const clock = new VirtualClock();
    const rt = new EspruinoRuntime({ clock, bundle: "var big = [];", memoryRefreshMs: 0, memory: { total: 500 } });
    rts.push(rt);
    rt.boot();
    rt.evaluate("(function () { for (var i = 0; i < 600; i++) big.push(i); })()");
    expect(rt.evaluate("process.memory().free")).toBeLessThan(0);
    expect(rt.consoleLines.map((l) => l.text)).toContain("ERROR: Out of Memory!");
    expect(rt.evaluate("E.getErrorFlags()")).toEqual(["MEMORY"]);
    expect(rt.evaluate("E.getErrorFlags()")).toEqual([]);
    expect(rt.memoryHighWater).toBeGreaterThan(600);
  });

  it("recomputes at most every memoryRefreshMs of node time", () => {
    const clock = new VirtualClock();
    const rt = new EspruinoRuntime({ clock, bundle: "var a = [];", memoryRefreshMs: 5000 });
    rts.push(rt);
    rt.boot();
    const u0 = rt.evaluate("process.memory().usage") as number;
    rt.evaluate("(function () { for (var i = 0; i < 50; i++) a.push(i); })()");
    expect(rt.evaluate("process.memory().usage")).toBe(u0);
    clock.advance(5000);
    expect(rt.evaluate("process.memory().usage")).toBe(u0 + 50);
  });

  it("E.getSizeOf follows Espruino's block sizes (names > 4 chars and strings > 9 chars take more blocks)", () => {
    const { rt } = boot("var x;");
    expect(rt.evaluate("E.getSizeOf({ a: 1 })")).toBe(2);
    expect(rt.evaluate("E.getSizeOf({ abcdefgh: 1 })")).toBe(1 + 2); // name + 1 extension, integer inline
    expect(rt.evaluate('E.getSizeOf("123456789")')).toBe(1);
    expect(rt.evaluate('E.getSizeOf("1234567890")')).toBe(2);
    expect(rt.evaluate("E.getSizeOf([1.5, 2.5])")).toBe(1 + 2 * 2);
    expect(rt.evaluate("E.getSizeOf(new Uint8Array(20))")).toBe(2 + 3);
  });
});

describe("against figures measured on the real interpreter (Linux build 2v29.277, 64-bit)", () => {
  // Printed by /work/espruino-linux's build for the same expressions; with the Linux block
  // layout the estimator must agree, which checks the counting rules themselves.
  it("E.getSizeOf of strings, names, arrays, floats, functions and typed arrays", () => {
    const { rt } = boot("var x;", true);
    const exprs: [string, number][] = [
      ['"x".repeat(20)', 1], ['"x".repeat(21)', 2], ['"x".repeat(41)', 2], ['"x".repeat(42)', 3], ['"x".repeat(63)', 4], ['"x".repeat(100)', 5],
      ["{ a: 1 }", 2], ["{ kkkkkkkk: 1 }", 2], ["{ kkkkkkkkk: 1 }", 3], ['{ kkkkkkkkk: "v" }', 4], ["{ kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: 1 }", 4],
      ["[1, 2, 3]", 4], ["[1.5]", 3], ["{ a: 1.5 }", 3], ["null", 1], ["true", 1],
      ["function (a, b) { return a + b; }", 5], ["{ a: { b: { c: 1 } } }", 6], ["new Uint8Array(100)", 7],
    ];
    for (const [e, n] of exprs) expect(rt.evaluate(`E.getSizeOf(${e})`), e).toBe(n);
  });

  it("functionCode 'ram' (the Linux build loads the bundle into RAM) counts each function's code text", () => {
    const clock = new VirtualClock();
    const bundle = "var f = function (a) { return a + 1; /* a comment that makes the body longer than forty characters */ };";
    const flash = new EspruinoRuntime({ clock, bundle, memory: { layout: LINUX64_LAYOUT } });
    const ram = new EspruinoRuntime({ clock, bundle, memory: { layout: LINUX64_LAYOUT, functionCode: "ram" } });
    rts.push(flash, ram);
    flash.boot();
    ram.boot();
    expect(flash.evaluate("E.getSizeOf(f)")).toBe(1 + 1 + 2); // function, 1 parameter, code in flash
    const body = "{ return a + 1; /* a comment that makes the body longer than forty characters */ }".length;
    expect(ram.evaluate("E.getSizeOf(f)")).toBe(1 + 1 + 1 + 1 + Math.ceil((body - 20) / 21));
  });

  it("process.memory() deltas of state kept in closures are within 10 % of the real ones", () => {
    // Same program on the real Linux build printed "D 108 351".
    const { rt } = boot(`
      (function () {
        var queue = [], objs = [];
        global.addInts = function () { for (var i = 0; i < 100; i++) queue.push(i); };
        global.addObjs = function () { for (var j = 0; j < 50; j++) objs.push({ id: j, name: "sensor-" + j, value: j * 1.5 }); };
      })();
      var u0 = process.memory().usage; addInts(); var u1 = process.memory().usage; addObjs(); var u2 = process.memory().usage;
    `, true);
    const [ints, objs] = rt.evaluate("[u1 - u0, u2 - u1]") as number[];
    expect(Math.abs(ints - 108) / 108).toBeLessThan(0.1);
    expect(Math.abs(objs - 351) / 351).toBeLessThan(0.1);
  });
});
