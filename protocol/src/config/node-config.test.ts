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
  it("accepts a W5500 with DHCP or a static address, and names what is wrong", () => {
    const w5500 = (net: Record<string, unknown>) => bad((c) => (c.net = net));
    const ok = (net: unknown) => {
      const c = doc();
      c.net = net;
      return validateNodeConfig(c);
    };
    const spi = { sck: "D18", miso: "D19", mosi: "D23" };
    expect(ok({ type: "w5500", spi, cs: "D5" }).ok).toBe(true);
    expect(ok({ type: "w5500", spi: { ...spi, baud: 8000000 }, cs: "D5", rst: "D26", ip: { ip: "192.168.1.20", subnet: "255.255.255.0", gateway: "192.168.1.1", dns: "192.168.1.1" } }).ok).toBe(true);
    expect(w5500({ type: "w5500", cs: "D5" })).toMatch(/^net\.spi: is required/);
    expect(w5500({ type: "w5500", spi: "SPI1", cs: "D5" })).toBe("net.spi: must be an object, got string");
    expect(w5500({ type: "w5500", spi: { sck: "D18", miso: "D19" }, cs: "D5" })).toBe("net.spi.mosi: is required");
    expect(w5500({ type: "w5500", spi: { ...spi, sck: "GPIO18" }, cs: "D5" })).toMatch(/^net\.spi\.sck: must be an Espruino pin/);
    expect(w5500({ type: "w5500", spi: { ...spi, clk: "D1" }, cs: "D5" })).toMatch(/^net\.spi\.clk: unknown field/);
    expect(w5500({ type: "w5500", spi: { ...spi, baud: 50000000 }, cs: "D5" })).toBe("net.spi.baud: must be within 100000..20000000, got 50000000");
    expect(w5500({ type: "w5500", spi })).toMatch(/^net\.cs: is required/);
    expect(w5500({ type: "w5500", spi, cs: 5 })).toMatch(/^net\.cs: must be an Espruino pin/);
    expect(w5500({ type: "w5500", spi, cs: "D5", rst: "d4" })).toMatch(/^net\.rst: must be an Espruino pin/);
    expect(w5500({ type: "w5500", spi, cs: "D19" })).toBe("net.cs: pin D19 is already net.spi.miso");
    expect(w5500({ type: "w5500", spi, cs: "D5", rst: "D5" })).toBe("net.rst: pin D5 is already net.cs");
    // Wi-Fi fields on a W5500 (and the reverse) are typos, not settings.
    expect(w5500({ type: "w5500", spi, cs: "D5", ssid: "farm" })).toMatch(/^net\.ssid: unknown field/);
    expect(bad((c) => (c.net.cs = "D5"))).toMatch(/^net\.cs: unknown field/);
    expect(w5500({ type: "w5500", spi, cs: "D5", ip: "dhcp" })).toBe("net.ip: must be an object, got string");
    expect(w5500({ type: "w5500", spi, cs: "D5", ip: { ip: "192.168.1.20", subnet: "255.255.255.0", gateway: "192.168.1.1" } })).toMatch(/^net\.ip\.dns: is required/);
    expect(w5500({ type: "w5500", spi, cs: "D5", ip: { ip: "192.168.1.256", subnet: "255.255.255.0", gateway: "192.168.1.1", dns: "8.8.8.8" } })).toMatch(/^net\.ip\.ip: must be a dotted-quad IPv4 address/);
    expect(w5500({ type: "w5500", spi, cs: "D5", ip: { ip: "10.0.0.2", subnet: "255.255.255", gateway: "10.0.0.1", dns: "10.0.0.1" } })).toMatch(/^net\.ip\.subnet: must be a dotted-quad/);
    expect(w5500({ type: "w5500", spi, cs: "D5", ip: { ip: "10.0.0.2", subnet: "255.0.0.0", gateway: "10.0.0.1", dns: "10.0.0.1", mac: "x" } })).toMatch(/^net\.ip\.mac: unknown field/);
    expect(w5500({ type: "eth" })).toBe("net.type: must be \"wifi\", \"w5500\" or \"none\", got \"eth\"");
  });
  it("refuses what is not an object", () => {
    expect(validateNodeConfig(null)).toMatchObject({ ok: false, path: "", reason: "must be an object, got null" });
    expect(validateNodeConfig("{}")).toMatchObject({ ok: false, path: "" });
  });
});
