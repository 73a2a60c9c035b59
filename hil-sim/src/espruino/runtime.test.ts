import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../clock/virtual-clock";
import { BundleRejectedError } from "./es5";
import { EspruinoRuntime } from "./runtime";

const rts: EspruinoRuntime[] = [];
function make(bundle: string, clock = new VirtualClock()) {
  const rt = new EspruinoRuntime({ clock, bundle });
  rts.push(rt);
  return { rt, clock };
}
afterEach(() => {
  for (const r of rts.splice(0)) r.dispose();
});

describe("bundle refusal", () => {
  it("refuses an ES2015 bundle (class, arrow, let) with the line", () => {
    for (const src of ["var a = 1;\nclass A {}", "var f = () => 1;", "let x = 1;", "var s = `t`;"]) {
      expect(() => make(src)).toThrow(BundleRejectedError);
    }
    try {
      make("var ok = 1;\nvar f = (x) => x;");
    } catch (e) {
      expect((e as BundleRejectedError).line).toBe(2);
      expect(String(e)).toMatch(/not ES5/);
    }
  });

  it("an ES5 bundle that uses Map fails at boot with a ReferenceError, and nothing else runs", () => {
    const { rt } = make("var m = new Map(); m.set(1, 2); print('after');");
    rt.boot();
    expect(rt.uncaughtErrors.map((e) => e.text)).toEqual(["ReferenceError: Map is not defined"]);
    expect(rt.consoleLines.map((l) => l.text)).not.toContain("after");
  });

  it("refuses a regex Espruino cannot run", () => {
    expect(() => make("var r = /a{2}/;")).toThrow(/numeric quantifier/);
    expect(() => make("var r = /(?:ab)/;")).toThrow(/lookaround|group/);
  });

  it("refuses reads of Array.prototype.slice & co, undefined on Espruino (methods live on instances only)", () => {
    expect(() => make("function f() { return Array.prototype.slice.call(arguments, 1); }")).toThrow(/Array.prototype.slice is undefined on Espruino.*use \[\]\.slice/);
    expect(() => make("var apply = Function.prototype.apply;")).toThrow(/Function.prototype.apply/);
    // writing a polyfill, Object.prototype and instance access are fine
    expect(() => make("Array.prototype.last = function () { return this[this.length - 1]; }; var h = Object.prototype.hasOwnProperty; var s = [].slice.call([1, 2], 1);")).not.toThrow();
  });
});

describe("no hoisting, as on Espruino", () => {
  it("a function called before its declaration has run fails; after, it works", () => {
    const { rt } = make(`
      var early;
      try { f(); early = "ran"; } catch (e) { early = "failed"; }
      function f() { return 1; }
      function g() { try { h(); return "ran"; } catch (e) { return "failed"; } function h() {} }
      var later = f() === 1 ? "ran" : "no";
      var inner = g();
    `);
    rt.boot();
    expect(rt.evaluate("[early, later, inner]")).toEqual(["failed", "ran", "failed"]);
  });
});

describe("missing built-ins are really missing", () => {
  it("has none of what Espruino lacks, and has what it has", () => {
    const { rt } = make("var x = 1;");
    rt.boot();
    const absent = ["Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "BigInt", "Buffer", "require('fs')"];
    for (const a of absent) {
      expect(() => rt.evaluate(a), a).toThrow();
    }
    const undef = ["Array.from", "Math.trunc", "Number.isInteger", "Object.freeze", "Promise.race", "Promise.allSettled", "Promise.prototype.finally", "Date.UTC", "process.exit", "process.argv"];
    for (const u of undef) expect(rt.evaluate(`typeof ${u}`), u).toBe("undefined");
    const present = ["Object.assign", "Array.isArray", "Promise.all", "JSON.parse", "E.CRC32", "process.memory", "getTime", "Serial2.setup", "D4.toString", "btoa", "atob", "Math.clip"];
    for (const p of present) expect(rt.evaluate(`typeof ${p}`), p).toBe("function");
    expect(rt.evaluate("process.version")).toBe("2v29");
    expect(rt.evaluate("typeof process.env")).toBe("object");
  });
});

describe("timers on the virtual clock", () => {
  it("setTimeout/setInterval/changeInterval/clearInterval fire at virtual times; getTime in seconds", () => {
    const { rt, clock } = make(`
      var t0 = getTime();
      var log = [];
      var iv = setInterval(function () { log.push(Math.round((getTime() - t0) * 1000)); }, 1000);
      setTimeout(function (a, b) { log.push(a + b); changeInterval(iv, 500); }, 2500, "x", "y");
      setTimeout(function () { clearInterval(iv); print(JSON.stringify(log)); }, 4100);
    `);
    rt.boot();
    clock.advance(10_000);
    expect(rt.consoleLines.map((l) => l.text)).toEqual([JSON.stringify([1000, 2000, "xy", 3000, 3500, 4000])]);
    expect(rt.consoleLines[0].t - clock.now()).toBe(-5900);
  });

  it("timer ids restart at 1 when the table is empty, as on the device", () => {
    const { rt, clock } = make(`var a = setTimeout(function(){}, 10); var b = setTimeout(function(){}, 20);`);
    rt.boot();
    expect(rt.evaluate("[a, b]")).toEqual([1, 2]);
    clock.advance(100);
    expect(rt.evaluate("setTimeout(function(){}, 5)")).toBe(1);
  });

  it("getTime starts near 0 after power-on, setTime sets it, Date follows the node clock", () => {
    const { rt, clock } = make(`var t0 = getTime(); setTime(1767225600); var d0 = Date.now();`);
    rt.boot();
    clock.advance(1500);
    expect(rt.evaluate("d0")).toBe(1767225600000);
    expect(rt.evaluate("Date.now()")).toBe(1767225601500);
    expect(rt.evaluate("new Date().toISOString()")).toBe("2026-01-01T00:00:01.500Z");
    expect(rt.evaluate("getTime()")).toBeCloseTo(1767225601.5, 3);
    expect(rt.evaluate("t0")).toBeLessThan(1);
    // local time = UTC + E.setTimeZone hours (Espruino's default zone is 0)
    expect(rt.evaluate("new Date(2026, 0, 2, 3, 4, 5).getTime()")).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    rt.evaluate("E.setTimeZone(8)");
    expect(rt.evaluate("new Date(2026, 0, 2, 3, 4, 5).toISOString()")).toBe("2026-01-01T19:04:05.000Z");
    expect(rt.evaluate("new Date(Date.now()).getHours()")).toBe(8);
    expect(rt.evaluate("(function () { var d = new Date(0); d.setHours(10); return d.toISOString(); })()")).toBe("1970-01-01T02:00:00.000Z");
    expect(rt.evaluate("typeof Date.UTC + typeof new Date().setUTCHours")).toBe("undefinedundefined");
    rt.powerLoss();
    clock.advance(60_000);
    rt.boot();
    expect(rt.evaluate("t0")).toBeLessThan(1); // the RTC starts again from 0 after a power cut
  });

  it("an exception in a callback is printed as Uncaught and the node goes on", () => {
    const { rt, clock } = make(`var n = 0; setInterval(function () { n++; if (n === 2) throw new Error("boom"); }, 100);`);
    rt.boot();
    clock.advance(500);
    expect(rt.evaluate("n")).toBe(5);
    expect(rt.consoleLines.map((l) => l.text)).toContain("Uncaught Error: boom");
  });

  it("an unhandled promise rejection is printed as on Espruino, a handled one is not", () => {
    const { rt, clock } = make(`
      setTimeout(function () { Promise.reject(new Error("rej")); print("after"); }, 10);
      setTimeout(function () { var p = Promise.reject(new Error("caught")); p.catch(function (e) { print("handled " + e.message); }); }, 20);
      setTimeout(function () { new Promise(function (res) { res(1); }).then(function () { throw new Error("in then"); }); }, 30);
    `);
    rt.boot();
    clock.advance(100);
    expect(rt.consoleLines.map((l) => l.text)).toEqual([
      "after",
      "Uncaught Error: Unhandled promise rejection: Error: rej",
      "handled caught",
      "Uncaught Error: Unhandled promise rejection: Error: in then",
    ]);
    expect(rt.evaluate("new Promise(function (r) { r(1); }) instanceof Promise")).toBe(true);
  });

  it("promise continuations run right after the event that resolved them", () => {
    const { rt, clock } = make(`var order = []; setTimeout(function () { Promise.resolve(1).then(function () { order.push("then"); }); order.push("cb"); }, 10); setTimeout(function () { order.push("next"); }, 10);`);
    rt.boot();
    clock.advance(20);
    expect(rt.evaluate("order")).toEqual(["cb", "then", "next"]);
  });
});

describe("numbers printed as Espruino prints them", () => {
  it("JSON.stringify, print and toString match the real Linux build's output byte for byte", () => {
    const { rt } = make("var x;");
    rt.boot();
    const xs = "[0.1+0.2, 1/3, 123456789.123, 1e21, 1.5e-7, -0.0001234, 2.675, 12.34*100, 0.000001, 5e-7, 1767225600123, 3.14159265358979, 12.345, 0.001, 1234.5678, 99.99, 1.1, 2.2*3, 25.6, -3.7, 0.5, 100.25, 1e-7, 123456.789, 1767225600.123, 0.1, 1e300, 2.5e-300, 65535.5, 4294967296.5, -1e-9, 7.000000001, 0.30000001, 1e20]";
    // printed by the real interpreter (2v29.277) for the same expression
    const real = "[0.3,0.33333333333,123456789.12299999594,10e+20,1.5e-7,-0.0001234,2.675,1234,0.000001,5e-7,1767225600123,3.14159265358,12.345,0.001,1234.5678,99.99,1.1,6.6,25.6,-3.7,0.5,100.25,1e-7,123456.789,1767225600.12299990653,0.1,1e+300,2.5e-300,65535.5,4294967296.5,-1e-9,7,0.30000001,100000000000000000000]";
    expect(rt.evaluate(`JSON.stringify(${xs})`)).toBe(real);
    expect(rt.evaluate("JSON.stringify({ a: 1/3, b: [2.5], s: 'x' })")).toBe('{"a":0.33333333333,"b":[2.5],"s":"x"}');
    expect(rt.evaluate("(1/3).toString() + ' ' + (255).toString(16)")).toBe("0.33333333333 ff");
    expect(rt.evaluate("[Math.round(-1.5), Math.round(-2.5), Math.round(1.5), Math.round(-0.4), Math.round(0.49999999999999994)]")).toEqual([-2, -3, 2, 0, 1]); // -0 comes back as 0 through JSON
    // toFixed truncates all digits but the last, which it rounds: (1.5).toFixed(0) is "1" there
    expect(rt.evaluate('[(-1.5).toFixed(0), (1.5).toFixed(0), (2.5).toFixed(0), (0.5).toFixed(0), (1.005).toFixed(2), (1.255).toFixed(2), (12.345).toFixed(1), (-0.05).toFixed(1), (99.995).toFixed(2), (1e21).toFixed(2), (0.000001).toFixed(3), (123.456).toFixed(), (3).toFixed(2), (-3.14159).toFixed(3), (0.1+0.2).toFixed(20)].join(" ")')).toBe(
      "-1 1 2 0 1.00 1.25 12.3 -0.1 99.99 1000000000000000000000.00 0.000 123 3.00 -3.142 0.30000000000000004441",
    );
    // strings: escapes from 0x7F up, in upper case; characters beyond 0xFF go out as UTF-8
    expect(rt.evaluate('JSON.stringify("\\xe9\\x1f\\n\\\\u0041\\t\\u00e9")')).toBe('"\\u00E9\\u001F\\n\\\\u0041\\t\\u00E9"');
    expect(rt.evaluate('JSON.stringify("abc\\x7f\\x80") + JSON.stringify({ "\\u732a": 1 })')).toBe('"abc\\u007F\\u0080"{"\\u732A":1}');
    expect(rt.evaluate("[String.fromCharCode(300).charCodeAt(0), E.toUint8Array('\\u732a').length, E.toUint8Array(String.fromCharCode(233)).length]")).toEqual([44, 3, 1]);
    rt.evaluate("print(0.1 + 0.2, 1/3)");
    expect(rt.consoleLines.pop()!.text).toBe("0.3 0.33333333333");
  });
});

describe("E, watchdog, reboot, init", () => {
  it("E.on('init') and onInit run after the bundle on every boot; E.on('kill') on reboot", () => {
    const { rt, clock } = make(`print("top"); E.on("init", function () { print("init"); }); function onInit() { print("onInit"); } E.on("kill", function () { print("kill"); });`);
    rt.boot();
    rt.evaluate("E.reboot()");
    clock.advance(2000);
    expect(rt.consoleLines.map((l) => l.text)).toEqual(["top", "init", "onInit", "kill", "top", "init", "onInit"]);
    expect(rt.stats.resets.reboot).toBe(1);
  });

  it("the watchdog resets a node that stops kicking it, and not one that kicks", () => {
    const { rt, clock } = make(`
      E.enableWatchdog(5, false);
      var n = 0;
      var iv = setInterval(function () { n++; if (n < 4) E.kickWatchdog(); }, 2000);
    `);
    rt.boot();
    clock.advance(7000); // kicked at 2, 4, 6 s
    expect(rt.stats.resets.watchdog).toBe(0);
    clock.advance(5000); // last kick at 6 s, period 5 s -> reset at 11 s
    expect(rt.stats.resets.watchdog).toBe(1);
    expect(rt.lastResetReason).toBe("watchdog");
    expect(rt.consoleLines.some((l) => /WATCHDOG/.test(l.text))).toBe(true);
  });

  it("E.CRC32, E.toString, E.toUint8Array, btoa/atob, E.getTemperature", () => {
    const { rt } = make("var x = 1;");
    rt.boot();
    expect(rt.evaluate('E.CRC32("123456789")')).toBe(0xcbf43926);
    expect(rt.evaluate("E.toString([72, 105], 33)")).toBe("Hi!");
    expect(rt.evaluate("[].slice.call(E.toUint8Array('AB', [1, 2]))")).toEqual([65, 66, 1, 2]);
    expect(rt.evaluate("atob(btoa('\\xff\\x00a'))")).toBe("\xff\x00a");
    expect(rt.evaluate("E.getTemperature()")).toBe(113);
  });
});
