// Espruino's JavaScript-visible API, evaluated INSIDE the firmware's vm context so that every
// object, array, error and function the bundle sees belongs to its own realm (a host object
// would leak Node's Function constructor and host prototypes). It talks to the runtime only
// through `host`, passing primitives (binary strings, numbers, JSON text). Signatures and
// behaviour follow Espruino's src/jswrap_*.c and libs/network/esp32; see hil-sim/README.md.
// This file is read as text by runtime.ts and evaluated as one function expression.
/* eslint-disable @typescript-eslint/no-unused-expressions, @typescript-eslint/no-this-alias, @typescript-eslint/no-unused-vars */
(function (host, g, saved) {
  "use strict";
  // Marks this function's scope (it is captured by dispatch below): the memory estimate skips
  // it, since it is the runtime's, not the firmware's.
  var __espruinoRuntimeScope = true;

  // --- host calls: a host exception becomes an Error of this realm (Espruino's jsExceptionHere)
  function H(name) {
    var f = host[name];
    return function () {
      try {
        return f.apply(host, arguments);
      } catch (e) {
        throw new Error(e && e.message ? e.message : String(e));
      }
    };
  }
  function def(obj, name, value) {
    Object.defineProperty(obj, name, { value: value, writable: true, configurable: true, enumerable: false });
  }

  // --- Events on every object (jswrap_object.c: Object.prototype.on/emit/removeListener...).
  // Listeners live in a hidden "#on<event>" property, as in Espruino.
  function listeners(obj, evt) {
    var l = obj["#on" + evt];
    return l === undefined ? [] : l;
  }
  def(Object.prototype, "on", function (evt, fn) {
    if (typeof fn !== "function") throw new Error("Expecting a function to call, got " + typeof fn);
    var l = listeners(this, evt).slice();
    l.push(fn);
    def(this, "#on" + evt, l);
    return this;
  });
  def(Object.prototype, "addListener", Object.prototype.on);
  def(Object.prototype, "prependListener", function (evt, fn) {
    var l = listeners(this, evt).slice();
    l.unshift(fn);
    def(this, "#on" + evt, l);
    return this;
  });
  def(Object.prototype, "emit", function (evt) {
    var args = [];
    for (var i = 1; i < arguments.length; i++) args.push(arguments[i]);
    var l = listeners(this, evt);
    for (var j = 0; j < l.length; j++) l[j].apply(this, args);
    return this;
  });
  def(Object.prototype, "removeListener", function (evt, fn) {
    var l = listeners(this, evt).filter(function (x) { return x !== fn; });
    if (l.length) def(this, "#on" + evt, l);
    else delete this["#on" + evt];
    return this;
  });
  def(Object.prototype, "removeAllListeners", function (evt) {
    if (evt === undefined) {
      var self = this;
      Object.getOwnPropertyNames(this).forEach(function (k) { if (k.indexOf("#on") === 0) delete self[k]; });
    } else delete this["#on" + evt];
    return this;
  });
  def(Object.prototype, "clone", function () {
    var c = Object.create(Object.getPrototypeOf(this));
    var self = this;
    Object.keys(this).forEach(function (k) { c[k] = self[k]; });
    return c;
  });
  def(Function.prototype, "replaceWith", function () { throw new Error("Function.replaceWith is not emulated"); });
  Math.clip = function (x, min, max) { return x < min ? min : x > max ? max : x; };
  Math.wrap = function (x, max) { return ((x % max) + max) % max; };
  Math.randInt = function (a, b) { return b === undefined ? Math.floor(Math.random() * a) : a + Math.floor(Math.random() * (b - a)); };
  var seeded = H("random");
  Math.random = function () { return seeded(); };

  // Espruino has no ArrayBuffer.isView: recognise a typed array or DataView by its fields
  function isView(d) { return d !== null && typeof d === "object" && d.buffer instanceof ArrayBuffer && typeof d.byteOffset === "number"; }

  // --- binary strings (Espruino strings are byte strings; serial/net/Storage data use them)
  function toBin(data) {
    if (data === undefined || data === null) return "";
    if (typeof data === "string") return /[\u0100-\uffff]/.test(data) ? utf8(data) : data;
    if (typeof data === "number") return String.fromCharCode(data & 255);
    if (data instanceof ArrayBuffer) data = new Uint8Array(data);
    if (isView(data)) {
      var b = new Uint8Array(data.buffer, data.byteOffset, data.byteLength), s = "";
      for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
      return s;
    }
    if (Array.isArray(data)) {
      var out = "";
      for (var k = 0; k < data.length; k++) out += toBin(data[k]);
      return out;
    }
    if (typeof data === "object" && data.data !== undefined && data.count !== undefined) {
      var one = toBin(data.data), r = "";
      for (var n = 0; n < data.count; n++) r += one;
      return r;
    }
    return String(data);
  }
  // A string with characters beyond 0xFF is a UTF-8 string on Espruino: its bytes are UTF-8
  function utf8(str) {
    var out = "";
    for (var i = 0; i < str.length; i++) {
      var c = str.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < str.length) { c = 0x10000 + ((c - 0xd800) << 10) + (str.charCodeAt(++i) - 0xdc00); }
      if (c < 0x80) out += String.fromCharCode(c);
      else if (c < 0x800) out += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out += String.fromCharCode(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return out;
  }
  function binToU8(s) {
    var u = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 255;
    return u;
  }

  // --- numbers as Espruino prints them (its own float-to-text conversion, src/jsutils.c
  // ftoa_bounded_extra: integer digits by repeated division, then at most 11 fractional digits
  // while the remainder is above 1e-7, a value within 1e-7 below an integer printed as that
  // integer, exponent form only beyond 1e21 and under 1e-6). V8's own ToString cannot be
  // replaced, so this applies where the runtime can: JSON.stringify, print/console,
  // Number.prototype.toString() without a radix.
  // digits of val >= 0 as Espruino writes them; fixed = number of decimals for toFixed, or -1
  function espDigits(val, fixed) {
    var out = "";
    if (Math.floor(val + 1e-7) === Math.floor(val) + 1) val = Math.floor(val) + 1;
    var d = 1;
    while (d * 10 <= val) d *= 10;
    while (d >= 1) {
      var v = Math.floor(val / d);
      val -= v * d;
      out += String.fromCharCode(48 + v);
      d /= 10;
    }
    if ((fixed < 0 && val > 0) || fixed > 0) {
      var pt = false, digits = 0;
      val *= 10;
      while (fixed < 0 ? digits < 11 && val > 1e-7 : digits < fixed) {
        // toFixed rounds only its last digit (the ones before are truncated), as Espruino does
        var f = Math.floor(val + (fixed - digits === 1 ? 0.5 : 1e-8));
        val = (val - f) * 10;
        if (f === 10) f = 9;
        if (!pt) { out += "."; pt = true; }
        out += String.fromCharCode(48 + f);
        digits++;
      }
    }
    return out;
  }
  function espNum(val) {
    if (val !== val) return "NaN";
    if (val === Infinity) return "Infinity";
    if (val === -Infinity) return "-Infinity";
    var out = "";
    if (val < 0) { out = "-"; val = -val; }
    var exp = 0;
    if (val > 0) {
      if (val >= 1e21) {
        while (val > 100000) { val /= 100000; exp += 5; }
        while (val > 10) { val /= 10; exp++; }
      } else if (val < 1e-6) {
        while (val < 1e-5) { val *= 100000; exp -= 5; }
        while (val < 1) { val *= 10; exp--; }
      }
    }
    out += espDigits(val, -1);
    if (exp) out += "e" + (exp > 0 ? "+" : "") + exp;
    return out;
  }
  function isPlainInt(x) { return x === Math.floor(x) && Math.abs(x) < 2147483648; }
  var realStringify = JSON.stringify, realNumToString = Number.prototype.toString;
  // Espruino's JSON.stringify takes (value, replacer, space) but ignores the replacer
  JSON.stringify = function (value, _replacer, space) {
    var marked = false;
    var out = realStringify(value, function (k, x) {
      if (typeof x === "number" && isFinite(x) && !isPlainInt(x)) { marked = true; return "\u0001" + espNum(x) + "\u0001"; }
      return x;
    }, space);
    if (out === undefined) return out;
    if (marked) out = out.replace(/"\\u0001([^"]*?)\\u0001"/g, "$1");
    // Espruino escapes every character from 0x7F up, and writes escapes in upper case
    return out.replace(/\\\\|\\u([0-9a-fA-F]{4})|[\u007f-\uffff]/g, function (m, hex) {
      if (m === "\\\\") return m;
      if (hex) return "\\u" + hex.toUpperCase();
      return "\\u" + ("000" + realNumToString.call(m.charCodeAt(0), 16).toUpperCase()).slice(-4);
    });
  };
  def(Number.prototype, "toString", function (radix) {
    var x = Number(this);
    if ((radix === undefined || radix === 10) && isFinite(x) && !isPlainInt(x)) return espNum(x);
    return realNumToString.call(x, radix);
  });
  def(Number.prototype, "toFixed", function (decimals) {
    var x = Number(this), n = decimals | 0;
    if (n < 0) n = 0;
    if (n > 20) n = 20;
    if (x !== x) return "NaN";
    if (!isFinite(x)) return x < 0 ? "-Infinity" : "Infinity";
    return (x < 0 ? "-" : "") + espDigits(Math.abs(x), n);
  });
  // String.fromCharCode keeps the low 8 bits on Espruino (String.fromCharCode(300) is ",")
  var realFromCharCode = String.fromCharCode;
  String.fromCharCode = function () {
    var a = [];
    for (var i = 0; i < arguments.length; i++) a.push(arguments[i] & 255);
    return realFromCharCode.apply(String, a);
  };
  // Math.round rounds halves away from zero on Espruino (Math.round(-1.5) is -2 there)
  Math.round = function (x) { x = Number(x); return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5); };

  // --- console (captured by the runtime with virtual timestamps)
  var hostPrint = H("print");
  function fmt(v) {
    if (typeof v === "string") return v;
    if (typeof v === "number") return isPlainInt(v) ? String(v) : espNum(v);
    if (v === undefined) return "undefined";
    if (typeof v === "function") return "function";
    if (v instanceof Error) return v.toString();
    try { return JSON.stringify(v); } catch (_e) { return String(v); }
  }
  function printArgs(args) {
    var parts = [];
    for (var i = 0; i < args.length; i++) parts.push(fmt(args[i]));
    hostPrint(parts.join(" "));
  }
  var con = {};
  ["log", "info", "warn", "error", "debug", "trace"].forEach(function (k) { con[k] = function () { printArgs(arguments); }; });
  def(g, "console", con);
  def(g, "print", function () { printArgs(arguments); });
  def(g, "global", g);

  // --- Promise: a rejection nobody handles is printed as Espruino does ("Uncaught Error:
  // Unhandled promise rejection: ...") and the node goes on. Every promise gets an internal
  // rejection handler, so V8 never reports it to Node; user handlers are tracked by the host.
  var RealPromise = Promise, origThen = RealPromise.prototype.then;
  var markHandled = H("promiseHandled"), isHandled = H("promiseIsHandled"), unhandled = H("unhandledRejection");
  function hook(p) {
    origThen.call(p, undefined, function (e) { if (!isHandled(p)) unhandled(e instanceof Error ? e.toString() : fmt(e)); });
    return p;
  }
  def(RealPromise.prototype, "then", function (onF, onR) {
    if (typeof onR === "function") markHandled(this);
    return hook(origThen.call(this, onF, onR));
  });
  function EPromise(executor) {
    if (!(this instanceof EPromise)) throw new TypeError("Promise must be called with new");
    return hook(new RealPromise(executor));
  }
  EPromise.prototype = RealPromise.prototype;
  def(RealPromise.prototype, "constructor", EPromise);
  EPromise.resolve = function (v) { return hook(RealPromise.resolve(v)); };
  EPromise.reject = function (e) { return hook(RealPromise.reject(e)); };
  EPromise.all = function (a) { return hook(RealPromise.all(a)); };
  def(g, "Promise", EPromise);

  // --- timers on the virtual clock (jswrap_interactive.c)
  var timerAdd = H("timerAdd"), timerClear = H("timerClear"), timerChange = H("timerChange");
  function addTimer(args, isInterval) {
    var fn = args[0];
    if (typeof fn === "string") { var code = fn; fn = function () { (0, eval)(code); }; }
    if (typeof fn !== "function") throw new Error("Function or String not supplied!");
    var extra = [];
    for (var i = 2; i < args.length; i++) extra.push(args[i]);
    return timerAdd(fn, Number(args[1]), extra, isInterval);
  }
  function clearTimer(args, what) {
    if (args.length === 0) return timerClear(undefined, true);
    if (args[0] === undefined) throw new Error("clear" + what + "(undefined) not allowed. Use clear" + what + "() instead");
    timerClear(args[0], false);
  }
  def(g, "setTimeout", function () { return addTimer(arguments, false); });
  def(g, "setInterval", function () { return addTimer(arguments, true); });
  def(g, "clearTimeout", function () { clearTimer(arguments, "Timeout"); });
  def(g, "clearInterval", function () { clearTimer(arguments, "Interval"); });
  def(g, "changeInterval", function (id, ms) { timerChange(id, Number(ms)); });
  var nodeNow = H("now");
  def(g, "getTime", function () { return nodeNow() / 1000; });
  def(g, "setTime", H("setTime"));

  // --- Date on the node's clock; local time = UTC + E.setTimeZone offset (Espruino default 0)
  var RealDate = Date, tzHours = 0;
  function VDate(a, b, c, d, e, f, ms) {
    var n = arguments.length, t;
    if (!(this instanceof VDate)) return new RealDate(nodeNow()).toString();
    if (n === 0) t = nodeNow();
    else if (n === 1) t = typeof a === "string" ? VDate.parse(a) : Number(a);
    else t = saved.UTC(a, b, n > 2 ? c : 1, n > 3 ? d : 0, n > 4 ? e : 0, n > 5 ? f : 0, n > 6 ? ms : 0) - tzHours * 3600000;
    return new RealDate(t);
  }
  VDate.prototype = RealDate.prototype;
  def(RealDate.prototype, "constructor", VDate);
  VDate.now = function () { return nodeNow(); };
  VDate.parse = function (s) { return RealDate.parse(s); };
  var DP = RealDate.prototype;
  function shifted(d) { return new RealDate(d.getTime() + tzHours * 3600000); }
  ["Date", "Day", "FullYear", "Hours", "Minutes", "Month", "Seconds", "Milliseconds"].forEach(function (k) {
    var utcGet = DP["getUTC" + k];
    def(DP, "get" + k, function () { return utcGet.call(shifted(this)); });
  });
  ["Date", "FullYear", "Hours", "Minutes", "Month", "Seconds", "Milliseconds"].forEach(function (k) {
    var utcSet = saved.setUTC[k];
    def(DP, "set" + k, function () {
      var s = shifted(this);
      utcSet.apply(s, arguments);
      return this.setTime(s.getTime() - tzHours * 3600000);
    });
  });
  def(DP, "getTimezoneOffset", function () { return -tzHours * 60; });
  def(DP, "toString", function () { return this.toUTCString().replace("GMT", "GMT" + (tzHours >= 0 ? "+" : "-") + ("0" + Math.abs(tzHours)).slice(-2) + "00"); });
  def(g, "Date", VDate);

  // --- pins D0..D39 (Espruino's Pin class), digitalWrite/Read, pinMode
  function Pin(n) { def(this, "num", n); }
  Pin.prototype.toString = function () { return "D" + this.num; };
  Pin.prototype.valueOf = function () { return this.num; };
  Pin.prototype.getInfo = function () { return { port: "D", num: this.num }; };
  Pin.prototype.read = function () { return digitalRead(this) === 1; };
  Pin.prototype.write = function (v) { digitalWrite(this, v); };
  Pin.prototype.set = function () { digitalWrite(this, 1); };
  Pin.prototype.reset = function () { digitalWrite(this, 0); };
  Pin.prototype.mode = function (m) { pinMode(this, m); };
  def(g, "Pin", function (v) { return new Pin(pinNum(v)); });
  var pins = [];
  for (var pn = 0; pn < 40; pn++) { pins.push(new Pin(pn)); def(g, "D" + pn, pins[pn]); }
  function pinNum(p) {
    if (p instanceof Pin) return p.num;
    if (typeof p === "number" && p >= 0 && p < 40 && p === Math.floor(p)) return p;
    if (typeof p === "string" && /^D[0-9]+$/.test(p) && Number(p.substr(1)) < 40) return Number(p.substr(1));
    throw new Error("Invalid pin: " + p);
  }
  var hostDigitalWrite = H("digitalWrite"), hostDigitalRead = H("digitalRead"), hostPinMode = H("pinMode");
  function digitalWrite(p, v) {
    if (Array.isArray(p)) { for (var i = p.length - 1; i >= 0; i--) { digitalWrite(p[i], v & 1); v >>= 1; } return; }
    hostDigitalWrite(pinNum(p), v ? 1 : 0);
  }
  function digitalRead(p) { return hostDigitalRead(pinNum(p)); }
  function pinMode(p, mode, auto) { hostPinMode(pinNum(p), mode === undefined ? "auto" : String(mode), !!auto); }
  def(g, "digitalWrite", digitalWrite);
  def(g, "digitalRead", digitalRead);
  def(g, "pinMode", pinMode);
  def(g, "getPinMode", H("getPinMode"));
  def(g, "analogRead", function (p) { return H("analogRead")(pinNum(p)); });
  def(g, "HIGH", 1);
  def(g, "LOW", 0);

  // --- Serial1..3 (jswrap_serial.c); data arrives as binary strings in chunks
  var serialSetup = H("serialSetup"), serialWrite = H("serialWrite");
  function Serial() { throw new Error("Software serial (new Serial()) is not emulated"); }
  var serials = [];
  for (var si = 1; si <= 3; si++) {
    var s = Object.create(Serial.prototype);
    def(s, "_idx", si);
    def(s, "_buf", "");
    serials[si] = s;
    def(g, "Serial" + si, s);
  }
  def(g, "Serial", Serial);
  Serial.prototype.setup = function (baud, opts) {
    var o = opts || {};
    var parity = o.parity === undefined || o.parity === null ? "none" : String(o.parity);
    if (parity === "o") parity = "odd";
    if (parity === "e") parity = "even";
    if (["none", "odd", "even"].indexOf(parity) < 0) throw new Error("Invalid parity " + JSON.stringify(o.parity));
    var bytesize = o.bytesize === undefined ? 8 : Number(o.bytesize);
    var stopbits = o.stopbits === undefined ? 1 : Number(o.stopbits);
    serialSetup(this._idx, baud === undefined ? 9600 : Number(baud), bytesize, parity, stopbits,
      o.rx === undefined ? "" : String(o.rx), o.tx === undefined ? "" : String(o.tx), o.path === undefined ? "" : String(o.path));
    if (o.path !== undefined) this.path = o.path;
  };
  Serial.prototype.unsetup = function () { H("serialUnsetup")(this._idx); };
  Serial.prototype.write = function () {
    var s = "";
    for (var i = 0; i < arguments.length; i++) s += toBin(arguments[i]);
    serialWrite(this._idx, s);
  };
  Serial.prototype.print = function (v) { serialWrite(this._idx, String(v)); };
  Serial.prototype.println = function (v) { serialWrite(this._idx, String(v) + "\r\n"); };
  Serial.prototype.available = function () { return listeners(this, "data").length ? 0 : this._buf.length; };
  Serial.prototype.read = function (n) {
    var b = this._buf;
    if (n === undefined || n <= 0 || n > b.length) n = b.length;
    def(this, "_buf", b.substr(n));
    return b.substr(0, n);
  };
  Serial.prototype.flush = function () { /* returns once handed to the UART FIFO, before the line is empty (as on ESP32) */ };
  Serial.prototype.isConnected = function () { return H("serialIsSetup")(this._idx); };
  Serial.prototype.inject = function () {
    var s = "";
    for (var i = 0; i < arguments.length; i++) s += toBin(arguments[i]);
    deliverSerial(this._idx, s);
  };
  function deliverSerial(idx, data) {
    var port = serials[idx];
    if (listeners(port, "data").length) port.emit("data", data);
    else def(port, "_buf", (port._buf + data).substr(-512)); // Espruino's stream buffer is bounded
  }

  // --- E (jswrap_espruino.c)
  var E = {};
  def(g, "E", E);
  E.enableWatchdog = function (t, isAuto) { H("wdtEnable")(Number(t), isAuto === undefined || !!isAuto); };
  E.kickWatchdog = H("wdtKick");
  E.reboot = H("reboot");
  E.getTemperature = H("getTemperature");
  E.setTimeZone = function (h) { tzHours = Number(h) || 0; };
  E.getErrorFlags = function () { return JSON.parse(H("errorFlags")()); };
  E.getFlags = function () { return {}; };
  E.setFlags = function () {};
  E.hwRand = function () { return Math.floor(seeded() * 4294967296) | 0; };
  E.srand = function () {};
  E.defrag = function () {};
  E.toString = function () {
    var s = "";
    for (var i = 0; i < arguments.length; i++) s += toBin(arguments[i]);
    return s;
  };
  E.toUint8Array = function () {
    var s = "";
    for (var i = 0; i < arguments.length; i++) s += toBin(arguments[i]);
    return binToU8(s);
  };
  E.toArrayBuffer = function (str) { return binToU8(String(str)).buffer; };
  E.toFlatString = function () { return E.toString.apply(E, arguments); };
  E.toJS = function (v) { return JSON.stringify(v); };
  E.CRC32 = function (data) { return H("crc32")(toBin(data)); };
  E.getSizeOf = function (v, depth) { return H("sizeOf")(v, depth | 0); };
  E.sum = function (a) { var t = 0; for (var i = 0; i < a.length; i++) t += a[i]; return t; };
  E.variance = function (a, m) { var t = 0; for (var i = 0; i < a.length; i++) t += (a[i] - m) * (a[i] - m); return t / a.length; };
  E.clip = Math.clip;
  E.lookupNoCase = function (o, k) { var lk = String(k).toLowerCase(); for (var n in o) if (n.toLowerCase() === lk) return o[n]; return undefined; };
  E.stopEventPropagation = function () {};
  E.setBootCode = function (code) { H("storageWrite")(".bootcde", String(code), 0, 0); };

  def(g, "btoa", function (s) { return H("btoa")(String(s)); });
  def(g, "atob", function (s) { return H("atob")(String(s)); });
  def(g, "save", function () { H("warn")("save() is not emulated: the bundle runs from .bootcde on every boot"); });
  def(g, "reset", function () { H("warn")("reset() is not emulated"); });
  def(g, "load", function () { H("reboot")(); });
  def(g, "dump", function () { H("warn")("dump() is not emulated"); });

  // --- process (jswrap_process.c)
  var env = JSON.parse(H("processEnv")());
  var proc = { version: env.VERSION, env: env };
  proc.memory = function (gc) { return JSON.parse(H("memory")(gc === undefined ? true : !!gc)); };
  def(g, "process", proc);

  // --- Storage (jswrap_storage.c over the node's flash model)
  var st = {
    create: H("storageWrite"), read: H("storageRead"), size: H("storageSize"),
    writeAt: H("storageWriteAt"), erase: H("storageErase"), list: H("storageList"),
  };
  var MAX_NAME = 28, SF_CHUNK = 4096 - 32;
  function fname(n) { return String(n).substr(0, MAX_NAME); }
  function needsQuotes(k) { return !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) && !/^[0-9]+$/.test(k); }
  // writeJSON: JSON with quotes dropped on identifier/integer keys (JSON_DROP_QUOTES)
  function compactJSON(v) {
    if (v === null) return "null";
    if (v && typeof v.toJSON === "function") v = v.toJSON();
    if (typeof v === "number") return isFinite(v) ? String(v) : "null";
    if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
    if (isView(v)) v = [].slice.call(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    if (Array.isArray(v)) return "[" + v.map(function (x) { var j = compactJSON(x); return j === undefined ? "null" : j; }).join(",") + "]";
    if (typeof v === "object") {
      var parts = [];
      Object.keys(v).forEach(function (k) {
        var j = compactJSON(v[k]);
        if (j !== undefined) parts.push((needsQuotes(k) ? JSON.stringify(k) : k) + ":" + j);
      });
      return "{" + parts.join(",") + "}";
    }
    return undefined;
  }
  // readJSON: accepts what writeJSON writes (unquoted keys), like jswrap_json_parse_liberal
  function liberalParse(text) {
    try { return JSON.parse(text); } catch (_e) { /* not strict JSON: parse liberally */ }
    var i = 0;
    function ws() { while (i < text.length && " \t\r\n".indexOf(text[i]) >= 0) i++; }
    function fail() { throw new Error("JSON parse error at " + i); }
    function value() {
      ws();
      var c = text[i];
      if (c === "{") {
        i++; var o = {}; ws();
        if (text[i] === "}") { i++; return o; }
        for (;;) {
          ws(); var k;
          if (text[i] === "\"") k = str(); else { var m = /^[A-Za-z0-9_$]+/.exec(text.substr(i)); if (!m) fail(); k = m[0]; i += k.length; }
          ws(); if (text[i] !== ":") fail(); i++;
          o[k] = value(); ws();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "}") { i++; return o; }
          fail();
        }
      }
      if (c === "[") {
        i++; var a = []; ws();
        if (text[i] === "]") { i++; return a; }
        for (;;) { a.push(value()); ws(); if (text[i] === ",") { i++; continue; } if (text[i] === "]") { i++; return a; } fail(); }
      }
      if (c === "\"") return str();
      var lit = /^(true|false|null|-?[0-9.]+([eE][-+]?[0-9]+)?)/.exec(text.substr(i));
      if (!lit) fail();
      i += lit[0].length;
      return JSON.parse(lit[0]);
    }
    function str() {
      var start = i; i++;
      while (i < text.length && text[i] !== "\"") { if (text[i] === "\\") i++; i++; }
      i++;
      return JSON.parse(text.substring(start, i).replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1"));
    }
    var r = value(); ws();
    if (i < text.length) fail();
    return r;
  }
  function StorageFile() {}
  function sfName(f) { return f.name + String.fromCharCode(f.chunk); }
  StorageFile.prototype.read = function (len) { return sfRead(this, len < 0 ? 0 : len | 0, false); };
  StorageFile.prototype.readLine = function () { return sfRead(this, 32, true); };
  StorageFile.prototype.getLength = function () {
    var len = 0;
    for (var c = 1; c <= 255; c++) {
      var raw = st.read(this.name + String.fromCharCode(c), 0, 0);
      if (raw === undefined) break;
      var end = raw.indexOf("\xFF");
      if (end >= 0) return len + end;
      len += raw.length;
    }
    return len;
  };
  function sfRead(f, len, line) {
    if (f.mode !== "r") throw new Error("Can't read in this mode");
    var result;
    for (;;) {
      var raw = st.read(sfName(f), 0, 0);
      if (raw === undefined) return result;
      if (f.offset >= raw.length) {
        if (f.chunk === 255) return result;
        f.chunk++; f.offset = 0;
        continue;
      }
      var avail = raw.substr(f.offset), ff = avail.indexOf("\xFF");
      if (ff >= 0) avail = avail.substr(0, ff);
      if (!avail.length) return result;
      var take = line ? avail.indexOf("\n") : -1;
      var n = line ? (take >= 0 ? take + 1 : avail.length) : Math.min(len, avail.length);
      result = (result || "") + avail.substr(0, n);
      f.offset += n;
      if (line ? take >= 0 : (len -= n) <= 0) return result;
      if (ff >= 0) return result;
    }
  }
  StorageFile.prototype.write = function (data) {
    if (this.mode !== "w" && this.mode !== "a") throw new Error("Can't write in this mode");
    data = toBin(data);
    if (!data.length) return;
    var size = st.size(sfName(this));
    if (size < 0) {
      // first chunk of the file or next chunk: a new file of SF_CHUNK bytes, padded with 0xFF
      try { st.create(sfName(this), data, 0, SF_CHUNK, 1); } catch (e) { this.mode = 0; throw e; }
      this.offset = data.length;
      return;
    }
    var remaining = size - this.offset;
    if (data.length < remaining) {
      st.writeAt(sfName(this), this.offset, data);
      this.offset += data.length;
      return;
    }
    st.writeAt(sfName(this), this.offset, data.substr(0, remaining));
    this.offset += remaining;
    if (this.chunk === 255) throw new Error("File too big!");
    this.chunk++;
    var rest = data.substr(remaining);
    try { st.create(sfName(this), rest, 0, SF_CHUNK, 1); } catch (e2) { this.mode = 0; throw e2; }
    this.offset = rest.length;
  };
  StorageFile.prototype.erase = function () {
    for (var c = 1; c <= 255; c++) if (!st.erase(this.name + String.fromCharCode(c))) break;
    this.chunk = 1; this.offset = 0; this.mode = 0;
  };
  var Storage = {
    write: function (name, data, offset, size) {
      if (data !== null && typeof data === "object" && !Array.isArray(data) && !(data instanceof ArrayBuffer) && !isView(data)) {
        data = JSON.stringify(data); offset = 0; size = 0;
      }
      return st.create(fname(name), toBin(data), offset | 0, size | 0, 0);
    },
    read: function (name, offset, length) { return st.read(fname(name), offset | 0, length | 0); },
    readJSON: function (name, noExceptions) {
      var t = st.read(fname(name), 0, 0);
      if (t === undefined) return undefined;
      try { return liberalParse(t); } catch (err) { if (noExceptions) return undefined; throw err; }
    },
    readArrayBuffer: function (name) {
      var t = st.read(fname(name), 0, 0);
      return t === undefined ? undefined : binToU8(t).buffer;
    },
    writeJSON: function (name, data) { return st.create(fname(name), compactJSON(data) || "", 0, 0, 0); },
    list: function (regex, filter) {
      var sf = filter && filter.sf !== undefined ? !!filter.sf : undefined;
      return JSON.parse(st.list(sf === undefined ? -1 : sf ? 1 : 0)).filter(function (n) { return !regex || !!n.match(regex); });
    },
    erase: function (name) { st.erase(fname(name)); },
    eraseAll: H("storageEraseAll"),
    compact: H("storageCompact"),
    getFree: H("storageFree"),
    getStats: function () { return JSON.parse(H("storageStats")()); },
    hash: function () { return 0; },
    debug: function () {},
    optimise: function () {},
    open: function (name, mode) {
      if (mode !== "r" && mode !== "w" && mode !== "a") throw new Error("Invalid mode " + JSON.stringify(mode));
      var f = new StorageFile();
      f.name = String(name).substr(0, MAX_NAME - 1);
      f.chunk = 1; f.offset = 0;
      if (mode === "w" && st.size(sfName(f)) >= 0) f.erase();
      if (mode === "a") {
        // find the last chunk (the first one that still ends in 0xFF) and the end of its data
        for (;;) {
          var raw = st.read(sfName(f), 0, 0);
          if (raw === undefined) break;
          if (raw.charCodeAt(raw.length - 1) === 255 || f.chunk === 255) {
            var e = raw.indexOf("\xFF");
            f.offset = e < 0 ? raw.length : e;
            break;
          }
          f.chunk++;
        }
      }
      f.mode = mode;
      return f;
    },
  };

  // --- Wifi (libs/network/esp32/jswrap_esp32_network.c)
  var wifiCall = H("wifi");
  var Wifi = {
    connect: function (ssid, opts, cb) {
      if (typeof opts === "function") { cb = opts; opts = {}; }
      def(Wifi, "_cb", typeof cb === "function" ? cb : undefined);
      wifiCall("connect", String(ssid), opts && opts.password !== undefined ? String(opts.password) : "");
    },
    disconnect: function (cb) { def(Wifi, "_dcb", typeof cb === "function" ? cb : undefined); wifiCall("disconnect", "", ""); },
    getStatus: function (cb) { var s = JSON.parse(wifiCall("status", "", "")); if (typeof cb === "function") cb(s); return s; },
    getIP: function (cb) { var s = JSON.parse(wifiCall("ip", "", "")); if (typeof cb === "function") cb(null, s); return s; },
    getDetails: function (cb) { return Wifi.getStatus(cb); },
    setHostname: function () {},
    save: function () {},
    stopAP: function () {},
    scan: function (cb) { if (typeof cb === "function") setTimeout(function () { cb([]); }, 1000); },
  };

  // --- net (libs/network/jswrap_net.c): TCP through the runtime's virtual network
  var netCall = H("net");
  var sockets = {};
  function Socket() {}
  Socket.prototype.write = function (data) { netCall("write", this._id, toBin(data)); return true; };
  Socket.prototype.end = function (data) { if (data !== undefined) this.write(data); netCall("end", this._id, ""); };
  Socket.prototype.destroy = function () { netCall("destroy", this._id, ""); };
  var net = {
    connect: function (opts, cb) {
      if (typeof opts === "string") { var hp = opts.split(":"); opts = { host: hp[0], port: Number(hp[1]) }; }
      var s = new Socket();
      var id = netCall("connect", 0, JSON.stringify({ host: String(opts.host), port: Number(opts.port) || 80 }));
      def(s, "_id", id);
      sockets[id] = s;
      if (typeof cb === "function") s.on("connect", cb);
      return s;
    },
    createServer: function () { throw new Error("net.createServer is not emulated"); },
  };

  // --- SPI (jswrap_spi_i2c.c): SPI1/SPI2 are the ESP32's hardware SPI (HSPI/VSPI, any pins
  // through the GPIO matrix); `new SPI()` is software SPI. Only the setup is emulated: the one
  // SPI peripheral simulated is the W5500, whose driver talks to it in C.
  function SPI() {}
  SPI.prototype.setup = function (o) {
    o = o || {};
    var pin = function (x) { return x === undefined ? "" : "D" + pinNum(x); };
    def(this, "_setup", { sck: pin(o.sck), miso: pin(o.miso), mosi: pin(o.mosi), baud: o.baud === undefined ? 100000 : Number(o.baud) });
    if (this._hw) H("spiSetup")(this._hw, JSON.stringify(this._setup));
  };
  SPI.prototype.send = function () { throw new Error("SPI.send is not emulated (the W5500 driver uses SPI from C)"); };
  SPI.prototype.write = SPI.prototype.send;
  def(g, "SPI", SPI);
  var SPI1 = new SPI(), SPI2 = new SPI();
  def(SPI1, "_hw", 1);
  def(SPI2, "_hw", 2);
  def(g, "SPI1", SPI1);
  def(g, "SPI2", SPI2);

  // --- WIZnet W5500 (libs/network/wiznet/jswrap_wiznet.c), only on a board the runtime was
  // told has one (a build with USE_WIZNET); require("WIZnet") throws elsewhere.
  var wizCall = H("wiznet");
  var wizCallbacks = [];
  function Ethernet() {}
  Ethernet.prototype.setIP = function (opts, cb) {
    // An object means static (only its fields change); anything else means DHCP.
    var r = wizCall("setIP", opts !== null && typeof opts === "object" ? JSON.stringify(opts) : "", "");
    wizCallbacks.push(typeof cb === "function" ? cb : null);
    return r;
  };
  Ethernet.prototype.getIP = function (cb) {
    var s = JSON.parse(wizCall("getIP", "", ""));
    if (typeof cb === "function") setTimeout(function () { cb(null, s); }, 0);
    return s;
  };
  Ethernet.prototype.getStatus = function (cb) {
    var s = JSON.parse(wizCall("status", "", ""));
    if (typeof cb === "function") setTimeout(function () { cb(null, s); }, 0);
    return s;
  };
  Ethernet.prototype.setHostname = function (h, cb) {
    var err = String(h).length < 8 ? "hostname too short (min 8 and max 12 char )" : null;
    if (typeof cb === "function") setTimeout(function () { cb(err); }, 0);
    return err === null;
  };
  var WIZnet = {
    connect: function (spi, cs) {
      if (spi === undefined) throw new Error("No default SPI on this platform - you must specify one");
      if (!spi || !spi._hw) throw new Error("Expecting SPI device, got " + (spi instanceof SPI ? "a software SPI" : typeof spi));
      var r = wizCall("connect", String(spi._hw), "D" + pinNum(cs));
      if (r === "absent") { hostPrint("WIZnet Initialize failed."); return undefined; }
      return new Ethernet();
    },
  };

  // --- ESP32 module (subset)
  var ESP32 = {
    deepSleep: function (us) { H("deepSleep")(Number(us)); },
    getState: function () { return JSON.parse(H("esp32State")()); },
    setBLE_Debug: function () {}, enableBLE: function () {}, enableWifi: function () {},
    reboot: function () { H("reboot")(); },
  };

  // --- require (jswrap_modules.c): built-in libraries plus Modules.addCached
  var cache = {};
  var builtin = { Storage: Storage, Wifi: Wifi, net: net, ESP32: ESP32 };
  if (host.hasWiznet()) builtin.WIZnet = WIZnet;
  def(g, "require", function (name) {
    if (Object.prototype.hasOwnProperty.call(cache, name)) return cache[name];
    if (Object.prototype.hasOwnProperty.call(builtin, name)) return builtin[name];
    throw new Error("Module " + name + " not found");
  });
  def(g, "Modules", {
    addCached: function (id, src) {
      var m = { exports: {} };
      if (typeof src === "function") src.call(m.exports, m, m.exports);
      else (0, eval)("(function(module,exports){" + src + "\n})")(m, m.exports);
      cache[id] = m.exports;
    },
    removeCached: function (id) { delete cache[id]; },
    removeAllCached: function () { cache = {}; },
    getCached: function () { return Object.keys(cache); },
  });

  // --- events from the runtime into this realm
  return function dispatch(kind, a, b, c) {
    if (!__espruinoRuntimeScope) return undefined;
    if (kind === "serial") return deliverSerial(a, b);
    if (kind === "init") {
      E.emit("init");
      if (typeof g.onInit === "function") g.onInit();
      return;
    }
    if (kind === "kill") return E.emit("kill");
    if (kind === "wifi") {
      var details = b ? JSON.parse(b) : {};
      if (a === "gotip-cb" || a === "fail-cb") {
        var cb = Wifi._cb;
        def(Wifi, "_cb", undefined);
        if (cb) cb(a === "gotip-cb" ? null : details.msg);
        return;
      }
      if (a === "disconnect-cb") { var d = Wifi._dcb; def(Wifi, "_dcb", undefined); if (d) d(); return; }
      return Wifi.emit(a, details);
    }
    if (kind === "wiznet") {
      if (a === "setip-cb") { var wcb = wizCallbacks.shift(); if (wcb) wcb(b ? b : null); }
      return;
    }
    if (kind === "net") {
      var s = sockets[a];
      if (!s) return;
      if (b === "data") return s.emit("data", c);
      if (b === "error") { var info = JSON.parse(c); return s.emit("error", { code: info.code, message: info.message }); }
      if (b === "close") { delete sockets[a]; return s.emit("close"); }
      return s.emit(b);
    }
    if (kind === "uncaught") {
      var l = listeners(proc, "uncaughtException");
      if (!l.length) return false;
      proc.emit("uncaughtException", a);
      return true;
    }
  };
});
