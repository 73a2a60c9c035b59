import { Session } from "node:inspector";

/**
 * An estimate of the JsVars (blocks) the firmware's state would occupy on Espruino, counted
 * with the interpreter's own storage rules (src/jsvar.h, src/jsutils.h) for a block layout
 * (ESP32 by default: 14-byte blocks, 16383 of them, boards/ESP32.py):
 * - an object, array or function is one block, plus one per property name (a name longer than
 *   the layout's inline length takes string extension blocks), plus the value's blocks; an
 *   integer or boolean value lives inside its name block (JSV_NAME_INT_INT and friends);
 * - a float, null, or a boolean on its own is one block; a string is one block for its first
 *   characters plus one per extension's worth;
 * - a typed array is view + ArrayBuffer + its bytes as a string;
 * - a function is its block, one per parameter and its code (a native string pointing into
 *   the flash copy of the bundle: 2 blocks) and, for a closure, its scope: one block plus a
 *   name (and value) for each variable the closure keeps;
 * - each pending timer is an object {time, intr, cb, args} (5 blocks), as jsinteractive.c
 *   stores them;
 * - plus a baseline for what an empty program already uses.
 * Checked against the real Linux build (memory.test.ts): E.getSizeOf agrees exactly on
 * strings, names, arrays, floats, functions and typed arrays; process.memory() deltas of
 * closure state come out 7 % low (100 vs 108, 325 vs 351). On the firmware itself (3 devices
 * polled every second, acked by a gateway), with the Linux layout and functionCode "ram" the
 * estimate reads 4 900-5 200 JsVars where the real Linux build reports 5 400-5 700
 * (firmware/README.md): about 8 % low. With the ESP32 layout and code in flash: 3 100-3 650.
 * What it cannot see: locals of code that is running (there is none between events) and
 * variables V8 optimised away because no closure uses them (Espruino keeps every variable of
 * a live scope, so the estimate is low there). Closure variables are read through the V8
 * inspector (the [[Scopes]] of each function, two round trips per function, batched in
 * waves). A function's scope chain is fixed at its creation, so functions found sharing one
 * are grouped and later estimates ask for one member per group: ~3 ms for the whole firmware
 * after the first (~100 ms) estimate (bench/espruino-runtime.ts).
 */
/**
 * Block layout of a build: characters of a name kept in the name block, characters of a string
 * in its first block and in each extension block (src/jsutils.h JSVAR_DATA_STRING_NAME_LEN,
 * JSVAR_DATA_STRING_LEN, JSVAR_DATA_STRING_MAX_LEN).
 */
export interface BlockLayout {
  nameChars: number;
  firstChars: number;
  extChars: number;
  blocksize: number;
}

/** ESP32: 32-bit, 14-bit refs, 8-bit refcount: 4 + 42/8 = 9, 4 + 50/8 = 10; 14-byte blocks. */
export const ESP32_LAYOUT: BlockLayout = { nameChars: 4, firstChars: 9, extChars: 10, blocksize: 14 };
/** The Linux build on a 64-bit host (RESIZABLE_JSVARS, 32-bit refs): 8, 20, 21; measured there too. */
export const LINUX64_LAYOUT: BlockLayout = { nameChars: 8, firstChars: 20, extChars: 21, blocksize: 27 };

export interface MemoryOptions {
  /** Block layout. Default ESP32_LAYOUT. */
  layout?: BlockLayout;
  /** Total JsVars (process.memory().total). Default 16383, the ESP32 build. */
  total?: number;
  /**
   * Blocks an empty program already uses. Default 35: what the real Linux build (2v29.277)
   * reports for a script that only prints process.memory().usage; not yet measured on an ESP32.
   */
  baseline?: number;
  /** Read closure scopes through the inspector (slow, honest). Default true. */
  closures?: boolean;
  /**
   * Where function code lives: "flash" (the ESP32 running .bootcde from Storage: each function
   * points into flash, 2 blocks) or "ram" (the Linux build loading the bundle from a file: the
   * code is a string in RAM). Default "flash".
   */
  functionCode?: "flash" | "ram";
}


type Obj = Record<string, unknown>;

export class MemoryEstimator {
  readonly total: number;
  readonly baseline: number;
  readonly blocksize: number;
  readonly layout: BlockLayout;
  private readonly closures: boolean;
  private readonly codeInRam: boolean;
  private session?: Session;
  private sinkId?: string;
  private readonly sink: unknown[] = [];
  /** Objects that are part of the runtime itself (built-ins, Espruino API), never counted. */
  private exclude = new WeakSet<object>();
  /** Own property names of each excluded object at boot: later additions are the firmware's. */
  private bootKeys = new WeakMap<object, Set<string>>();
  /** Wall ms of the last estimate. */
  lastWallMs = 0;

  constructor(opts: MemoryOptions = {}) {
    this.total = opts.total ?? 16383;
    this.layout = opts.layout ?? ESP32_LAYOUT;
    this.baseline = opts.baseline ?? 35;
    this.blocksize = this.layout.blocksize;
    this.closures = opts.closures ?? true;
    this.codeInRam = opts.functionCode === "ram";
  }

  /** Prototypes of the firmware's realm, to tell its objects from the host's. */
  private realmRoots = new Set<object>();

  private foreign(v: object): boolean {
    if (this.realmRoots.size === 0) return false;
    for (let p = Object.getPrototypeOf(v) as object | null, i = 0; p && i < 64; p = Object.getPrototypeOf(p) as object | null, i++) {
      if (this.realmRoots.has(p)) return false;
    }
    return Object.getPrototypeOf(v) !== null; // null-prototype objects: assume the firmware's
  }

  private strBlocks(len: number): number {
    return 1 + Math.max(0, Math.ceil((len - this.layout.firstChars) / this.layout.extChars));
  }

  private nameBlocks(name: string): number {
    return 1 + Math.max(0, Math.ceil((name.length - this.layout.nameChars) / this.layout.extChars));
  }

  /** Mark everything reachable from these roots now (the fresh context) as not the firmware's. */
  excludeAll(roots: unknown[]): void {
    this.exclude = new WeakSet();
    this.bootKeys = new WeakMap();
    this.groupOf = new WeakMap();
    this.realmRoots = new Set();
    for (const r of roots) {
      const g = r as { Object?: { prototype: object } } | null;
      if (g && typeof g === "object" && g.Object?.prototype) this.realmRoots.add(g.Object.prototype);
    }
    const stack = [...roots];
    while (stack.length) {
      const v = stack.pop();
      if ((typeof v !== "object" && typeof v !== "function") || v === null || this.exclude.has(v)) continue;
      this.exclude.add(v);
      this.bootKeys.set(v, new Set(Object.getOwnPropertyNames(v)));
      for (const k of Reflect.ownKeys(v)) {
        const d = Object.getOwnPropertyDescriptor(v, k);
        if (d && "value" in d) stack.push(d.value);
        else if (d) stack.push(d.get, d.set);
      }
      stack.push(Object.getPrototypeOf(v));
    }
  }

  /**
   * Blocks in use: baseline + user globals and everything reachable from them (including
   * closure variables) + extra roots (timers' callbacks and arguments, listeners) + timers.
   */
  estimate(global: object, extraRoots: unknown[], timerCount: number): number {
    const t0 = performance.now();
    const seen = new Set<unknown>();
    const scopeSeen = new Set<string>();
    this.pending = [];
    let n = this.baseline + timerCount * 5;
    const costOf = (v: unknown): number => this.cost(v, seen, scopeSeen);
    const atBoot = this.bootKeys.get(global);
    for (const k of Object.getOwnPropertyNames(global)) {
      const d = Object.getOwnPropertyDescriptor(global, k);
      if (!d || !("value" in d)) continue;
      const v = d.value as unknown;
      if ((typeof v === "object" || typeof v === "function") && v !== null && this.exclude.has(v)) {
        n += this.builtinAdditions(v as Obj, seen, scopeSeen);
        continue;
      }
      if (atBoot?.has(k) && (typeof v !== "object" || v === null)) continue; // Infinity, NaN, HIGH...
      n += this.nameBlocks(k) + (isInline(v, k) ? 0 : costOf(v));
    }
    for (const r of extraRoots) n += costOf(r);
    n += this.drainClosures(seen, scopeSeen);
    this.lastWallMs = performance.now() - t0;
    return n;
  }

  /** E.getSizeOf: blocks of one value and what it references. */
  sizeOf(v: unknown): number {
    const seen = new Set<unknown>();
    const scopeSeen = new Set<string>();
    this.pending = [];
    return this.cost(v, seen, scopeSeen) + this.drainClosures(seen, scopeSeen);
  }

  /** Functions whose closure scopes are still to be read (in waves, to batch inspector calls). */
  private pending: ((...a: unknown[]) => unknown)[] = [];

  /**
   * A function's scope chain is fixed when it is created, so functions found to share one
   * (all the methods of an esbuild bundle share its module scope) form a group, and later
   * estimates read the scopes of one live member per group only.
   */
  private groupOf = new WeakMap<object, number>();
  private nextGroup = 1;

  private drainClosures(seen: Set<unknown>, scopeSeen: Set<string>): number {
    let n = 0;
    const queriedGroups = new Set<number>();
    const chainGroup = new Map<string, number>();
    while (this.pending.length) {
      const wave = this.pending.splice(0);
      const ask: ((...a: unknown[]) => unknown)[] = [];
      for (const f of wave) {
        const g = this.groupOf.get(f);
        if (g === undefined) ask.push(f);
        else if (!queriedGroups.has(g)) {
          queriedGroups.add(g);
          ask.push(f);
        }
      }
      const chains = this.scopesOfMany(ask);
      ask.forEach((f, fi) => {
        const sigs: string[] = [];
        for (const scope of chains[fi]) {
          const names = Object.getOwnPropertyNames(scope);
          if (names.includes("__espruinoRuntimeScope")) continue; // the runtime's own prelude
          // The inspector materialises a fresh object per call: identify a scope by its variable
          // names and the identity of its first values (closures made by one factory differ there).
          let sig = names.length + ":" + names.join(",") + "|";
          for (let i = 0; i < names.length && i < 16; i++) sig += identity((scope as Obj)[names[i]]) + ",";
          sigs.push(sig);
          if (scopeSeen.has(sig)) continue;
          scopeSeen.add(sig);
          n += 1;
          for (const k of names) {
            const val = (scope as Obj)[k];
            n += this.nameBlocks(k) + (isInline(val, k) ? 0 : this.cost(val, seen, scopeSeen));
          }
        }
        const key = sigs.join("||");
        let g = this.groupOf.get(f) ?? chainGroup.get(key);
        if (g === undefined) g = this.nextGroup++;
        this.groupOf.set(f, g);
        chainGroup.set(key, g);
        queriedGroups.add(g);
      });
    }
    return n;
  }

  /** Own properties the firmware added to a built-in object (e.g. listeners on Serial2). */
  private builtinAdditions(o: Obj, seen: Set<unknown>, scopeSeen: Set<string>): number {
    let n = 0;
    const atBoot = this.bootKeys.get(o);
    for (const k of Object.getOwnPropertyNames(o)) {
      if (atBoot?.has(k)) continue;
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (!d || !("value" in d)) continue;
      const v = d.value as unknown;
      if ((typeof v === "object" || typeof v === "function") && v !== null && this.exclude.has(v)) continue;
      n += this.nameBlocks(k) + (isInline(v, k) ? 0 : this.cost(v, seen, scopeSeen));
    }
    return n;
  }

  private cost(v: unknown, seen: Set<unknown>, scopeSeen: Set<string>): number {
    if (v === undefined) return 0;
    if (v === null || typeof v === "number" || typeof v === "boolean") return 1;
    if (typeof v === "string") return this.strBlocks(v.length);
    if (typeof v !== "object" && typeof v !== "function") return 1;
    if (this.exclude.has(v) || seen.has(v)) return 0;
    seen.add(v);
    if (this.foreign(v)) return 0; // an object of the host (Node) realm: never the firmware's
    if (ArrayBuffer.isView(v)) return 2 + this.strBlocks(v.byteLength);
    if (Object.prototype.toString.call(v) === "[object ArrayBuffer]") {
      try {
        return 1 + this.strBlocks((v as ArrayBuffer).byteLength);
      } catch {
        // ArrayBuffer.prototype itself: not a buffer
      }
    }
    let n = 1;
    const isArr = Array.isArray(v);
    for (const k of Object.getOwnPropertyNames(v)) {
      if (isArr && k === "length") continue;
      if (typeof v === "function" && (k === "length" || k === "name" || k === "prototype" || k === "arguments" || k === "caller")) continue;
      const d = Object.getOwnPropertyDescriptor(v, k)!;
      if (!("value" in d)) {
        n += this.nameBlocks(k) + 1 + this.cost(d.get, seen, scopeSeen) + this.cost(d.set, seen, scopeSeen);
        continue;
      }
      const val = d.value as unknown;
      n += (isArr ? 1 : this.nameBlocks(k)) + (isInline(val, isArr ? "" : k) ? 0 : this.cost(val, seen, scopeSeen));
    }
    const proto = Object.getPrototypeOf(v) as object | null;
    if (proto && !this.exclude.has(proto)) n += 2 + this.cost(proto, seen, scopeSeen); // "__proto__" name + object
    if (typeof v === "function") {
      n += (v as { length: number }).length + (this.codeInRam ? 1 + this.strBlocks(codeLength(v as object)) : 2);
      const p = (v as { prototype?: object }).prototype;
      if (p && Object.getOwnPropertyNames(p).some((k) => k !== "constructor")) n += 2 + this.cost(p, seen, scopeSeen);
      if (this.closures) this.pending.push(v as (...a: unknown[]) => unknown);
    }
    return n;
  }

  private post<T>(method: string, params: object): T {
    let result: T | undefined;
    let error: Error | null = null;
    let done = false;
    this.session!.post(method, params, (err, res) => {
      error = err;
      result = res as T;
      done = true;
    });
    if (!done) throw new Error(`inspector ${method} did not answer synchronously`);
    if (error) throw error;
    return result as T;
  }

  /**
   * The closure scopes of many functions with few inspector round trips: one call for all the
   * functions' object ids, two per function for its [[Scopes]], one to bring every scope
   * object back into this realm.
   */
  private scopesOfMany(fns: ((...a: unknown[]) => unknown)[]): object[][] {
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
      (globalThis as Obj).__espruinoMemSink = this.sink;
      this.sinkId = this.post<{ result: { objectId: string } }>("Runtime.evaluate", { expression: "globalThis.__espruinoMemSink", objectGroup: "espruino-sink" }).result.objectId;
    }
    const out: object[][] = fns.map(() => []);
    const owner: number[] = [];
    const group = "espruino-mem";
    try {
      (globalThis as Obj).__espruinoMemFns = fns;
      const arr = this.post<{ result: { objectId: string } }>("Runtime.evaluate", { expression: "globalThis.__espruinoMemFns", objectGroup: group });
      const items = this.post<{ result: { name: string; value?: { objectId?: string } }[] }>("Runtime.getProperties", { objectId: arr.result.objectId, ownProperties: true, objectGroup: group });
      const scopeIds: { objectId: string }[] = [];
      for (const it of items.result) {
        if (!/^\d+$/.test(it.name) || !it.value?.objectId) continue;
        const fi = Number(it.name);
        const props = this.post<{ internalProperties?: { name: string; value: { objectId?: string } }[] }>("Runtime.getProperties", { objectId: it.value.objectId, ownProperties: true, objectGroup: group });
        const scopes = props.internalProperties?.find((p) => p.name === "[[Scopes]]");
        if (!scopes?.value.objectId) continue;
        const list = this.post<{ result: { value?: { objectId?: string; description?: string } }[] }>("Runtime.getProperties", { objectId: scopes.value.objectId, ownProperties: true, objectGroup: group });
        for (const e of list.result) {
          const d = e.value?.description;
          // "Closure", or "Closure (make)" for a scope of a named function
          if (e.value?.objectId && d && /^(Closure|Block|Script|Catch)\b/.test(d)) {
            scopeIds.push({ objectId: e.value.objectId });
            owner.push(fi);
          }
        }
      }
      if (scopeIds.length) {
        this.sink.length = 0;
        this.post("Runtime.callFunctionOn", {
          objectId: this.sinkId,
          functionDeclaration: "function () { for (var i = 0; i < arguments.length; i++) this.push(arguments[i]); }",
          arguments: scopeIds,
          objectGroup: group,
        });
        (this.sink as { object?: object }[]).forEach((w, i) => {
          if (w?.object) out[owner[i]].push(w.object);
        });
        this.sink.length = 0;
      }
    } finally {
      delete (globalThis as Obj).__espruinoMemFns;
      this.post("Runtime.releaseObjectGroup", { objectGroup: group });
    }
    return out;
  }

  dispose(): void {
    this.session?.disconnect();
    this.session = undefined;
  }
}

/**
 * An integer or boolean value lives in its name block (JSV_NAME_INT_INT, JSV_NAME_STRING_INT_*).
 * Measured on the real interpreter: E.getSizeOf({kkkkkkkkkkkk: 1}) is object + name + one
 * extension, so this holds for long names too.
 */
function isInline(v: unknown, _name: string): boolean {
  return typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 2 ** 31);
}

let ids = new WeakMap<object, number>();
let nextId = 1;
function identity(v: unknown): string {
  if ((typeof v === "object" || typeof v === "function") && v !== null) {
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = nextId++));
    return "#" + id;
  }
  return typeof v + ":" + String(v);
}
/** For tests that want stable ids between runs. */
export function resetIdentities(): void {
  ids = new WeakMap();
  nextId = 1;
}

/** Length of a function's body text (what Espruino keeps as its code string). */
function codeLength(fn: object): number {
  try {
    const src = Function.prototype.toString.call(fn);
    const i = src.indexOf("{");
    return i >= 0 ? src.length - i : src.length;
  } catch {
    return 0;
  }
}
