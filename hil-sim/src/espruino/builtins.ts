/**
 * What Espruino 2v2x (ESP32 build) has of the standard library, as listed by the JSON headers
 * of Espruino's src/jswrap_*.c (the interpreter's own declaration of every built-in it
 * generates; entries for SAVE_ON_FLASH-only builds and board-specific ifdefs left out).
 * Everything a fresh V8 context has beyond this is deleted, so a bundle that calls
 * Array.from, Number.isInteger or Date.UTC fails in a test instead of on a farm.
 */

/** Static members kept on each constructor (plus length/name/prototype). */
export const ESPRUINO_STATICS: Record<string, readonly string[]> = {
  Object: ["assign", "create", "defineProperties", "defineProperty", "entries", "fromEntries", "getOwnPropertyDescriptor", "getOwnPropertyDescriptors", "getOwnPropertyNames", "getPrototypeOf", "keys", "setPrototypeOf", "values"],
  Array: ["isArray"],
  String: ["fromCharCode"],
  Number: ["MAX_VALUE", "MIN_VALUE", "NEGATIVE_INFINITY", "NaN", "POSITIVE_INFINITY"],
  Date: ["now", "parse"],
  Promise: ["all", "reject", "resolve"],
  JSON: ["parse", "stringify"],
  Math: ["E", "LN10", "LN2", "LOG10E", "LOG2E", "PI", "SQRT1_2", "SQRT2", "abs", "acos", "asin", "atan", "atan2", "ceil", "cos", "exp", "floor", "log", "max", "min", "pow", "random", "round", "sign", "sin", "sqrt", "tan"],
  ArrayBuffer: [],
  DataView: [],
  Function: [],
  Error: [],
};

/** Prototype members kept (plus constructor, and what the runtime adds itself). */
export const ESPRUINO_PROTOS: Record<string, readonly string[]> = {
  Object: ["hasOwnProperty", "toString", "valueOf", "__proto__"],
  Array: ["concat", "every", "fill", "filter", "find", "findIndex", "forEach", "includes", "indexOf", "join", "length", "map", "pop", "push", "reduce", "reverse", "shift", "slice", "some", "sort", "splice", "toString", "unshift"],
  String: ["charAt", "charCodeAt", "concat", "endsWith", "includes", "indexOf", "lastIndexOf", "length", "match", "padEnd", "padStart", "repeat", "replace", "replaceAll", "slice", "split", "startsWith", "substr", "substring", "toLowerCase", "toUpperCase", "trim", "toString", "valueOf"],
  Number: ["toFixed", "toString", "valueOf"],
  Boolean: ["toString", "valueOf"],
  Function: ["apply", "bind", "call", "toString", "length", "name", "arguments", "caller"],
  Date: ["getDate", "getDay", "getFullYear", "getHours", "getMilliseconds", "getMinutes", "getMonth", "getSeconds", "getTime", "getTimezoneOffset", "getUTCDate", "getUTCDay", "getUTCFullYear", "getUTCHours", "getUTCMilliseconds", "getUTCMinutes", "getUTCMonth", "getUTCSeconds", "setDate", "setFullYear", "setHours", "setMilliseconds", "setMinutes", "setMonth", "setSeconds", "setTime", "toISOString", "toJSON", "toString", "toUTCString", "valueOf"],
  Promise: ["catch", "then"],
  Error: ["toString", "message", "name"],
  ArrayBuffer: ["byteLength"],
  DataView: ["getFloat32", "getFloat64", "getInt16", "getInt32", "getInt8", "getUint16", "getUint32", "getUint8", "setFloat32", "setFloat64", "setInt16", "setInt32", "setInt8", "setUint16", "setUint32", "setUint8", "buffer", "byteLength", "byteOffset"],
  /** %TypedArray%.prototype: Espruino's ArrayBufferView. */
  TypedArray: ["buffer", "byteLength", "byteOffset", "every", "fill", "filter", "find", "findIndex", "forEach", "includes", "indexOf", "join", "map", "reduce", "reverse", "set", "slice", "some", "sort", "subarray", "length", "toString"],
};

/** Globals of a V8 context that Espruino does not have at all. */
export const ABSENT_GLOBALS: readonly string[] = [
  "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Symbol", "Proxy", "Reflect", "BigInt",
  "BigInt64Array", "BigUint64Array", "SharedArrayBuffer", "Atomics", "Intl", "WebAssembly", "AggregateError",
  "RangeError", "EvalError", "URIError", "escape", "unescape", "encodeURI", "decodeURI", "console",
  "queueMicrotask", "structuredClone", "Iterator",
];

/** Typed array constructors Espruino has (no BigInt arrays; Uint24Array is not emulated). */
export const TYPED_ARRAYS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array"];

type Bag = Record<PropertyKey, unknown>;

function prune(obj: Bag, keep: readonly string[], always: readonly string[]): string[] {
  const removed: string[] = [];
  for (const key of Object.getOwnPropertyNames(obj)) {
    if (keep.includes(key) || always.includes(key)) continue;
    if (Reflect.deleteProperty(obj, key)) removed.push(key);
  }
  return removed;
}

/**
 * Deletes from a context's global object everything Espruino lacks. Symbol-keyed members are
 * left (unreachable without the Symbol global, and V8 uses them internally). Returns the
 * names removed, for the record.
 */
export function stripToEspruino(global: Bag): string[] {
  const removed: string[] = [];
  for (const name of ABSENT_GLOBALS) if (name in global && Reflect.deleteProperty(global, name)) removed.push(name);
  for (const [name, keep] of Object.entries(ESPRUINO_STATICS)) {
    const ctor = global[name] as Bag | undefined;
    if (!ctor) continue;
    removed.push(...prune(ctor, keep, ["length", "name", "prototype"]).map((k) => `${name}.${k}`));
  }
  for (const [name, keep] of Object.entries(ESPRUINO_PROTOS)) {
    if (name === "TypedArray") continue;
    const ctor = global[name] as { prototype?: Bag } | undefined;
    if (!ctor?.prototype) continue;
    removed.push(...prune(ctor.prototype, keep, ["constructor"]).map((k) => `${name}.prototype.${k}`));
  }
  const u8 = global.Uint8Array as { prototype: object } | undefined;
  if (u8) {
    const typedProto = Object.getPrototypeOf(u8.prototype) as Bag;
    const typedCtor = typedProto.constructor as unknown as Bag;
    removed.push(...prune(typedProto, ESPRUINO_PROTOS.TypedArray, ["constructor"]).map((k) => `TypedArray.prototype.${k}`));
    removed.push(...prune(typedCtor, [], ["length", "name", "prototype"]).map((k) => `TypedArray.${k}`));
    for (const t of TYPED_ARRAYS) {
      const c = global[t] as Bag | undefined;
      if (c) prune(c, ["BYTES_PER_ELEMENT"], ["length", "name", "prototype"]);
    }
  }
  // Promise.prototype.finally, race, allSettled, any go with the lists above.
  return removed;
}
