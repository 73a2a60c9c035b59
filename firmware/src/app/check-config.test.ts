/**
 * The node's compact configuration check must accept and refuse exactly what protocol's
 * validateNodeConfig does, naming the same field: random configurations made by mutating
 * valid ones (fields removed, replaced by values near every bound, unknown fields added).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { validateNodeConfig } from "@manure-edge/protocol";
import { checkConfig } from "./check-config";

const MAPS = ["ultrasonic-level", "pt100-8ch", "load-cell"];

const VALID = {
  node: "pit-1", farm: "demo", base: "manure",
  mqtt: { host: "192.168.1.10", port: 1883, user: "pit-1", pass: "pw", keepalive: 60 },
  net: { type: "wifi", ssid: "farm", pass: "secret-pass" },
  bus: { serial: "Serial2", baud: 9600, parity: "none", stop: 1, rx: "D16", tx: "D17", de: "D4", timeout: 200, retries: 2 },
  devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 60 }, { id: "scale", unit: 3, map: "load-cell", every: 30, fast: 1 }],
  gps: { serial: "Serial3", baud: 9600, rx: "D25", tx: "D26" },
};

// Values near every bound and of every kind.
const VALUES: unknown[] = [
  undefined, null, true, 0, -1, 1, 1.5, 2, 3, 4, 5, 19, 20, 60, 86400, 86401, 247, 248, 253, 1200, 9600, 10000, 10001, 65535, 65536, NaN, Infinity,
  "", "x", "D16", "d16", "D", "Serial2", "Serial3", "Serial0", "wifi", "none", "eth", "even", "odd", "mark", "lvl", "scale", "ultrasonic-level", "no-map",
  "bad id", "a".repeat(7), "a".repeat(8), "a".repeat(32), "a".repeat(33), "a".repeat(63), "a".repeat(64), "a".repeat(65), "a".repeat(129), "a".repeat(254),
  "toString", "__proto__", [], [1], {}, { id: "lvl" },
];

type Path = (string | number)[];

function paths(x: unknown, p: Path = [], out: Path[] = []): Path[] {
  out.push(p);
  if (x && typeof x === "object") for (const k of Object.keys(x)) paths((x as Record<string, unknown>)[k], p.concat(Array.isArray(x) ? Number(k) : k), out);
  return out;
}

function mutate(cfg: unknown, at: Path, op: number, v: unknown, key: string): unknown {
  const c = structuredClone(cfg) as Record<string, unknown>;
  if (at.length === 0) return op === 0 ? v : c;
  if (!c || typeof c !== "object") return c;
  let o: Record<string | number, unknown> = c;
  for (let i = 0; i < at.length - 1; i++) o = o[at[i]] as Record<string | number, unknown>;
  const last = at[at.length - 1];
  if (op === 0) o[last] = v;
  else if (op === 1) delete o[last];
  else if (o[last] && typeof o[last] === "object" && !Array.isArray(o[last])) (o[last] as Record<string, unknown>)[key] = v;
  else if (Array.isArray(o[last])) (o[last] as unknown[]).push(v);
  return c;
}

function verdict(r: { ok: boolean; path?: string }) {
  return r.ok ? "ok" : "bad " + r.path;
}

describe("checkConfig", () => {
  it("accepts the valid configuration and returns it", () => {
    const r = checkConfig(VALID, MAPS);
    expect(r.ok && r.value).toBe(VALID);
    expect(verdict(checkConfig({ node: "n", farm: "f", mqtt: { host: "h", port: 1 }, devices: [] }, MAPS))).toBe("ok");
  });

  it("gives protocol's verdict and path on random mutations of valid configurations", () => {
    const all = paths(VALID);
    const mutation = fc.record({ at: fc.integer({ min: 0, max: all.length - 1 }), op: fc.integer({ min: 0, max: 2 }), v: fc.constantFrom(...VALUES), key: fc.constantFrom("serial", "id", "unit", "map", "every", "fast", "keepalve", "type", "ssid", "pass", "x") });
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
      let cfg: unknown = VALID;
      for (const m of ms) {
        const ps = paths(cfg);
        cfg = mutate(cfg, ps[m.at % ps.length], m.op, m.v, m.key);
      }
      expect(verdict(checkConfig(cfg, MAPS))).toBe(verdict(validateNodeConfig(cfg, MAPS)));
    }), { numRuns: 20000, seed: 4 });
  });

  it("refuses what protocol refuses, with the same path (hand-picked cases)", () => {
    const cases: unknown[] = [
      null, [], "x", {}, { ...VALID, mqtt: undefined }, { ...VALID, devices: undefined }, { ...VALID, bus: undefined },
      { ...VALID, net: { type: "none", ssid: 5 } }, { ...VALID, net: { type: "wifi" } }, { ...VALID, net: { type: "none", pass: "short" } },
      { ...VALID, gps: { serial: "Serial2", baud: 9600 } }, { ...VALID, devices: [VALID.devices[0], { ...VALID.devices[0], unit: 2 }] },
      { ...VALID, devices: [VALID.devices[0], { ...VALID.devices[1], unit: 1 }] }, { ...VALID, devices: new Array(33).fill(VALID.devices[0]) },
      { ...VALID, devices: [{ ...VALID.devices[1], fast: 31 }] }, { ...VALID, devices: [{ ...VALID.devices[0], map: "no-map" }] },
    ];
    for (const c of cases) expect(verdict(checkConfig(c, MAPS))).toBe(verdict(validateNodeConfig(c, MAPS)));
  });
});
