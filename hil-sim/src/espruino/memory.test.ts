import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../clock/virtual-clock";
import { EspruinoRuntime } from "./runtime";

const rts: EspruinoRuntime[] = [];
afterEach(() => {
  for (const r of rts.splice(0)) r.dispose();
});

function boot(bundle: string) {
  const clock = new VirtualClock();
  const rt = new EspruinoRuntime({ clock, bundle });
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
    expect(m.usage).toBeGreaterThanOrEqual(330);
    expect(m.usage).toBeLessThan(340);
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

  it("E.getSizeOf follows Espruino's block sizes (names > 4 chars and strings > 9 chars take more blocks)", () => {
    const { rt } = boot("var x;");
    expect(rt.evaluate("E.getSizeOf({ a: 1 })")).toBe(2);
    expect(rt.evaluate("E.getSizeOf({ abcdefgh: 1 })")).toBe(1 + 2 + 1);
    expect(rt.evaluate('E.getSizeOf("123456789")')).toBe(1);
    expect(rt.evaluate('E.getSizeOf("1234567890")')).toBe(2);
    expect(rt.evaluate("E.getSizeOf([1.5, 2.5])")).toBe(1 + 2 * 2);
    expect(rt.evaluate("E.getSizeOf(new Uint8Array(20))")).toBe(2 + 3);
  });
});
