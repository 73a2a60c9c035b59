/**
 * The build's size transforms keep the code's meaning (scripts/es5-alias.ts,
 * scripts/node-messages.ts) and property mangling leaves every name that crosses JSON or
 * reaches Espruino alone (scripts/mangle-names.ts). The bundle as a whole is exercised by the
 * HIL tests (test/hil) and on the real interpreter (test/real).
 */
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import * as acorn from "acorn";
import { aliasThisAndPrototype } from "../scripts/es5-alias";
import { mangleNames } from "../scripts/mangle-names";
import { shortenMessages } from "../scripts/node-messages";

// tsc's ES5 shape of a class, with a nested function that has its own `this`, tsc's `_this`,
// a getter and a method run before another class statement.
const CLASSES = `
var Counter = (function () {
    function Counter(start) {
        this.n = start;
        this.log = [];
        this.log.push("new " + this.n);
    }
    Counter.prototype.add = function (k) {
        var _this = this;
        [1, 2].forEach(function () { _this.n += k; });
        this.log.push("add " + this.n);
        return this;
    };
    Counter.prototype.own = function () {
        var f = function () { return this === undefined ? "none" : this.tag; };
        this.tag = "outer";
        return [f.call({ tag: "inner" }), f(), this.tag, this.n].join(",");
    };
    Object.defineProperty(Counter.prototype, "double", {
        get: function () { return this.n * 2 + this.n - this.n; },
        enumerable: false, configurable: true,
    });
    return Counter;
}());
var c = new Counter(1).add(3);
var result = [c.n, c.double, c.own(), c.log.join("|"), Counter.prototype.constructor === Counter].join(";");
`;

describe("es5-alias", () => {
  it("aliases this and X.prototype, and the code does the same", () => {
    const out = aliasThisAndPrototype('"use strict";' + CLASSES);
    expect(out).toContain("var $this = this;");
    expect(out).toContain("var $proto_Counter = Counter.prototype;");
    expect(out).toContain("Object.defineProperty($proto_Counter,");
    // tsc's _this is reused, not doubled.
    expect(out).not.toMatch(/var _this = \$this/);
    acorn.parse(out, { ecmaVersion: 5 });
    const before: { result?: string } = {};
    const after: { result?: string } = {};
    runInNewContext('"use strict";' + CLASSES, before);
    runInNewContext(out, after);
    expect(after.result).toBe(before.result);
    expect(before.result).toBe("7;14;inner,none,outer,7;new 1|add 7;true");
  });

  it("leaves a function with few `this` alone", () => {
    const src = "function f() { return this.a; }";
    expect(aliasThisAndPrototype(src)).toBe(src);
  });
});

describe("node-messages", () => {
  it("shortens rtu's non-exception messages to their kind, keeps the exception's text", () => {
    const src = 'export function d(n, f) { if (n < 5) return modbusError("length", 0, "response of " + n + " bytes is too short");'
      + ' var e = modbusError("exception", f[2], ""); e.message = "exception " + f[2] + " " + e.name; return e; }';
    const r = shortenMessages("protocol/src/modbus/rtu.js", src);
    expect(r.replaced).toBe(1);
    expect(r.code).toContain('modbusError("length", 0, "length")');
    expect(r.code).toContain('e.message = "exception " + f[2] + " " + e.name');
    expect(shortenMessages("protocol/src/config/node-config.js", src).code).toBe(src);
  });

  it("shortens NMEA reasons", () => {
    const src = 'function p(s) { if (!s) return { ok: false, path: "", reason: "sentence must start with $" }; return invalid("", "RMC needs " + s); }';
    const r = shortenMessages("protocol/src/nmea/sentence.js", src);
    expect(r.replaced).toBe(2);
    expect(r.code).not.toContain("sentence must");
    expect(r.code).not.toContain("RMC needs");
  });
});

describe("mangle-names", () => {
  const { mangle, kept } = mangleNames();

  it("never mangles a configuration, wire, status or Espruino name", () => {
    const external = [
      // configuration (protocol NodeConfig) and register maps
      "node", "farm", "base", "mqtt", "host", "port", "user", "pass", "keepalive", "net", "type", "ssid", "bus", "serial", "baud", "parity",
      "stop", "rx", "tx", "de", "timeout", "retries", "devices", "id", "unit", "map", "every", "fast", "gps", "points", "maxGap", "maxRegisters",
      "name", "table", "address", "order", "bit", "scale", "offset", "range", "sentinel",
      // wire messages, status and its counters
      "v", "n", "b", "s", "t", "cs", "up", "r", "e", "p", "state", "fw", "mem", "free", "total", "buf", "ram", "flash", "dropped", "err", "dev",
      "ok", "off", "badAck", "badCmd", "cfgApplied", "lateAck", "flashCorrupt", "mbTimeout", "mbCrc", "mbExc", "mbBad", "op", "cfg",
      // Espruino
      "setup", "write", "on", "removeAllListeners", "connect", "end", "read", "erase", "list", "open", "readLine", "getStats", "compact",
      "memory", "enableWatchdog", "kickWatchdog", "password", "stopbits", "path",
    ];
    expect(mangle.filter((m) => external.includes(m))).toEqual([]);
  });

  it("mangles the firmware's own members", () => {
    for (const m of ["poller", "uplink", "setOnline", "applyConfig", "firstSentAgo"]) expect(mangle).toContain(m);
    expect(kept.length).toBeGreaterThan(0);
  });
});
