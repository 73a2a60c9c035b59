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

// The same node on a W5500 (static address, reset pin): mutations start from either.
const VALID_ETH = {
  ...VALID,
  net: { type: "w5500", spi: { sck: "D18", miso: "D19", mosi: "D23", baud: 8000000 }, cs: "D5", rst: "D26", ip: { ip: "192.168.1.20", subnet: "255.255.255.0", gateway: "192.168.1.1", dns: "192.168.1.1" } },
};

// Values near every bound and of every kind.
const VALUES: unknown[] = [
  undefined, null, true, 0, -1, 1, 1.5, 2, 3, 4, 5, 19, 20, 60, 86400, 86401, 247, 248, 253, 1200, 9600, 10000, 10001, 65535, 65536, NaN, Infinity,
  "", "x", "D16", "d16", "D", "Serial2", "Serial3", "Serial0", "wifi", "none", "eth", "even", "odd", "mark", "lvl", "scale", "ultrasonic-level", "no-map",
  "bad id", "a".repeat(7), "a".repeat(8), "a".repeat(32), "a".repeat(33), "a".repeat(63), "a".repeat(64), "a".repeat(65), "a".repeat(129), "a".repeat(254),
  "toString", "__proto__", [], [1], {}, { id: "lvl" },
  "w5500", "D18", "D19", "D5", "D26", 99999, 100000, 20000000, 20000001, "192.168.1.20", "255.255.255.0", "0.0.0.0", "1.2.3", "1.2.3.256", "1.2.3.4.5",
  "01.2.3.4", "1..3.4", "a.b.c.d", { sck: "D18", miso: "D19", mosi: "D23" }, { ip: "10.0.0.2", subnet: "255.0.0.0", gateway: "10.0.0.1", dns: "10.0.0.1" },
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

  it("gives protocol's verdict and path on random mutations of valid configurations (Wi-Fi and W5500)", () => {
    expect(verdict(validateNodeConfig(VALID_ETH, MAPS))).toBe("ok");
    const all = Math.max(paths(VALID).length, paths(VALID_ETH).length);
    const keys = ["serial", "id", "unit", "map", "every", "fast", "keepalve", "type", "ssid", "pass", "x", "spi", "cs", "rst", "ip", "sck", "miso", "mosi", "baud", "dns", "gateway"];
    const mutation = fc.record({ at: fc.integer({ min: 0, max: all - 1 }), op: fc.integer({ min: 0, max: 2 }), v: fc.constantFrom(...VALUES), key: fc.constantFrom(...keys) });
    let eth = 0;
    fc.assert(fc.property(fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (w5500, ms) => {
      let cfg: unknown = w5500 ? VALID_ETH : VALID;
      if (w5500) eth++;
      for (const m of ms) {
        const ps = paths(cfg);
        cfg = mutate(cfg, ps[m.at % ps.length], m.op, m.v, m.key);
      }
      expect(verdict(checkConfig(cfg, MAPS))).toBe(verdict(validateNodeConfig(cfg, MAPS)));
    }), { numRuns: 30000, seed: 4 });
    expect(eth).toBeGreaterThan(10000); // the generator really makes W5500 configurations
  });

  it("refuses what protocol refuses, with the same path (hand-picked cases)", () => {
    const cases: unknown[] = [
      null, [], "x", {}, { ...VALID, mqtt: undefined }, { ...VALID, devices: undefined }, { ...VALID, bus: undefined },
      { ...VALID, net: { type: "none", ssid: 5 } }, { ...VALID, net: { type: "wifi" } }, { ...VALID, net: { type: "none", pass: "short" } },
      { ...VALID, gps: { serial: "Serial2", baud: 9600 } }, { ...VALID, devices: [VALID.devices[0], { ...VALID.devices[0], unit: 2 }] },
      { ...VALID, devices: [VALID.devices[0], { ...VALID.devices[1], unit: 1 }] }, { ...VALID, devices: new Array(33).fill(VALID.devices[0]) },
      { ...VALID, devices: [{ ...VALID.devices[1], fast: 31 }] }, { ...VALID, devices: [{ ...VALID.devices[0], map: "no-map" }] },
      { ...VALID, net: { type: "w5500" } }, { ...VALID, net: { type: "w5500", spi: VALID_ETH.net.spi } }, { ...VALID, net: { ...VALID_ETH.net, ssid: "farm" } },
      { ...VALID, net: { ...VALID_ETH.net, cs: "D18" } }, { ...VALID, net: { ...VALID_ETH.net, rst: "D5" } }, { ...VALID, net: { ...VALID_ETH.net, ip: { ...VALID_ETH.net.ip, dns: undefined } } },
      { ...VALID, net: { ...VALID_ETH.net, ip: { ...VALID_ETH.net.ip, gateway: "192.168.1" } } }, { ...VALID, net: { ...VALID_ETH.net, spi: { ...VALID_ETH.net.spi, baud: 1 } } },
      { ...VALID, net: { type: "eth", cs: "D5" } }, { ...VALID, net: { type: "none", cs: "D5" } }, { ...VALID, net: "w5500" },
      VALID_ETH,
    ];
    for (const c of cases) expect(verdict(checkConfig(c, MAPS))).toBe(verdict(validateNodeConfig(c, MAPS)));
  });
});
