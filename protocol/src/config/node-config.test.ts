import { describe, expect, it } from "vitest";
import { validateNodeConfig } from "./node-config";

const doc = () =>
  ({
    node: "pit-1",
    farm: "demo",
    base: "manure",
    mqtt: { host: "192.168.1.10", port: 1883, user: "pit-1", pass: "secret", keepalive: 60 },
    net: { type: "wifi", ssid: "farm", pass: "password1" },
    bus: { serial: "Serial2", baud: 9600, parity: "none", stop: 1, rx: "D16", tx: "D17", de: "D4", timeout: 200, retries: 2 },
    devices: [
      { id: "lvl", unit: 1, map: "ultrasonic-level", every: 60 },
      { id: "pile1", unit: 2, map: "pt100-8ch", every: 300 },
      { id: "scale", unit: 3, map: "load-cell", every: 30, fast: 1 },
    ],
    gps: { serial: "Serial3", baud: 9600, rx: "D25", tx: "D26" },
  }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function bad(f: (c: ReturnType<typeof doc>) => void, maps?: string[]) {
  const c = doc();
  f(c);
  const r = validateNodeConfig(c, maps);
  if (r.ok) throw new Error("expected invalid");
  return r.path + ": " + r.reason;
}

describe("validateNodeConfig", () => {
  it("accepts the documented example", () => {
    expect(validateNodeConfig(doc()).ok).toBe(true);
    expect(validateNodeConfig(doc(), ["ultrasonic-level", "pt100-8ch", "load-cell"]).ok).toBe(true);
    expect(validateNodeConfig({ node: "n", farm: "f", mqtt: { host: "h", port: 1 }, devices: [] }).ok).toBe(true);
  });
  it("names the field and the reason", () => {
    expect(bad((c) => (c.mqtt.keepalve = 60))).toMatch(/^mqtt\.keepalve: unknown field/);
    expect(bad((c) => (c.node = "pit/1"))).toMatch(/^node: /);
    expect(bad((c) => delete c.mqtt)).toBe("mqtt: is required");
    expect(bad((c) => (c.mqtt.port = "1883"))).toBe("mqtt.port: must be an integer, got string");
    expect(bad((c) => (c.net.pass = "short"))).toBe("net.pass: a WPA2 passphrase has 8..63 characters");
    expect(bad((c) => (c.net.type = "lte"))).toMatch(/^net\.type/);
    expect(bad((c) => (c.bus.baud = 9601))).toMatch(/^bus\.baud: must be one of/);
    expect(bad((c) => (c.bus.de = "GPIO4"))).toMatch(/^bus\.de: must be an Espruino pin/);
    expect(bad((c) => (c.bus.parity = "mark"))).toMatch(/^bus\.parity/);
    expect(bad((c) => (c.bus.serial = "UART2"))).toMatch(/^bus\.serial/);
    expect(bad((c) => (c.devices[1].unit = 248))).toBe("devices[1].unit: must be within 1..247, got 248");
    expect(bad((c) => (c.devices[2].unit = 1))).toBe("devices[2].unit: unit 1 is already devices[0] on the same bus");
    expect(bad((c) => (c.devices[2].id = "lvl"))).toMatch(/^devices\[2\]\.id: duplicate device id/);
    expect(bad((c) => (c.devices[2].fast = 60))).toMatch(/^devices\[2\]\.fast: must not be longer than every/);
    expect(bad((c) => (c.devices[0].every = 0))).toMatch(/^devices\[0\]\.every/);
    expect(bad((c) => c.devices.push({ id: "x", unit: 9, map: "nope", every: 5 }), ["ultrasonic-level", "pt100-8ch", "load-cell"])).toMatch(/^devices\[3\]\.map: no register map "nope"/);
    expect(bad((c) => delete c.bus)).toBe("bus: is required when devices are configured");
    expect(bad((c) => (c.gps.serial = "Serial2"))).toBe("gps.serial: is already used by bus.serial");
    expect(bad((c) => delete c.devices)).toMatch(/^devices: is required/);
  });
  it("refuses what is not an object", () => {
    expect(validateNodeConfig(null)).toMatchObject({ ok: false, path: "", reason: "must be an object, got null" });
    expect(validateNodeConfig("{}")).toMatchObject({ ok: false, path: "" });
  });
});
