/**
 * Node configuration: JSON in the node's Storage file "node.json" (or embedded at build
 * time), pushed by the gateway with cmd op "config", and used by hil-sim to build nodes.
 * See docs/ARCHITECTURE.md "Node configuration". Unknown fields are refused, so that a typo
 * ("keepalve") is an error at the gateway, not a silently ignored setting on a farm.
 */
import { isValidId } from "../topics";
import { at, idx, intReason, invalid, isObject, kindOf, Obj, stringReason, unknownKey, ValidationResult } from "../validation";

export interface MqttConfig {
  host: string;
  port: number;
  user?: string;
  pass?: string;
  /** Seconds (MQTT 3.1.1 §3.1.2.10); default 60. */
  keepalive?: number;
}

/** The SPI pins of a W5500 module (Espruino pin names) and the SPI clock. */
export interface SpiConfig {
  sck: string;
  miso: string;
  mosi: string;
  /** SPI clock, Hz; default Espruino's 100 000. */
  baud?: number;
}

/** A static IPv4 configuration (dotted quads), as Espruino's `Ethernet.setIP(options)` takes it. */
export interface StaticIpConfig {
  ip: string;
  subnet: string;
  gateway: string;
  dns: string;
}

export interface NetConfig {
  /**
   * "wifi" on an ESP32; "w5500": a WIZnet W5500 Ethernet module on SPI (an Espruino build with
   * WIZnet support, firmware/README.md "Ethernet"); "none" where the network is already up
   * (Espruino's Linux build).
   */
  type: "wifi" | "w5500" | "none";
  /** wifi */
  ssid?: string;
  pass?: string;
  /** w5500: SPI pins, chip select, optional reset pin, optional static IP (DHCP without it). */
  spi?: SpiConfig;
  cs?: string;
  rst?: string;
  ip?: StaticIpConfig;
}

export interface BusConfig {
  /** Espruino UART: "Serial2", "Serial3"... (Serial1 is the console). */
  serial: string;
  baud: number;
  parity?: "none" | "even" | "odd";
  stop?: 1 | 2;
  rx?: string;
  tx?: string;
  /** RS485 driver-enable pin, driven from JS (Espruino has no RS485 mode). */
  de?: string;
  /** Response timeout, ms. */
  timeout?: number;
  /** Retries after a failed transaction. */
  retries?: number;
}

export interface DeviceConfig {
  /** Device id: the first half of the sensor key "<id>.<point>". */
  id: string;
  /** Modbus slave address 1..247. */
  unit: number;
  /** Register map id (protocol/maps/<map>.json). */
  map: string;
  /** Seconds between polls. */
  every: number;
  /** Seconds between polls while the value changes (weighing). */
  fast?: number;
}

export interface GpsConfig {
  serial: string;
  baud: number;
  rx?: string;
  tx?: string;
}

export interface NodeConfig {
  node: string;
  farm: string;
  /** Topic base; default "manure" (DEFAULT_BASE). */
  base?: string;
  mqtt: MqttConfig;
  net?: NetConfig;
  bus?: BusConfig;
  devices: DeviceConfig[];
  gps?: GpsConfig;
}

const ROOT_KEYS = ["node", "farm", "base", "mqtt", "net", "bus", "devices", "gps"];
const MQTT_KEYS = ["host", "port", "user", "pass", "keepalive"];
const NET_KEYS = ["type", "ssid", "pass"];
const W5500_KEYS = ["type", "spi", "cs", "rst", "ip"];
const SPI_KEYS = ["sck", "miso", "mosi", "baud"];
const IP_KEYS = ["ip", "subnet", "gateway", "dns"];
/**
 * SPI clock bounds, Hz: from Espruino's default SPI speed (100 kHz) to 20 MHz, below both the
 * W5500's guaranteed 33.3 MHz (W5500 datasheet, SPI timing) and the ESP32's ≈ 26.7 MHz for
 * SPI pins routed through the GPIO matrix (ESP-IDF SPI master driver notes). Our bound (I).
 */
const SPI_BAUD_MIN = 100000;
const SPI_BAUD_MAX = 20000000;
const BUS_KEYS = ["serial", "baud", "parity", "stop", "rx", "tx", "de", "timeout", "retries"];
const DEV_KEYS = ["id", "unit", "map", "every", "fast"];
const GPS_KEYS = ["serial", "baud", "rx", "tx"];
const SERIAL_RE = /^Serial[1-9]$/;
const PIN_RE = /^[A-Z][0-9]+$/;
const BAUDS = [1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200];

type Check = ValidationResult<null> | null;

function section(x: unknown, path: string, keys: string[]): Check {
  if (!isObject(x)) return invalid(path, "must be an object, got " + kindOf(x));
  const k = unknownKey(x, keys);
  if (k !== null) return invalid(at(path, k), "unknown field (allowed: " + keys.join(", ") + ")");
  return null;
}

function str(o: Obj, key: string, path: string, required: boolean, max: number): Check {
  if (o[key] === undefined) return required ? invalid(at(path, key), "is required") : null;
  const r = stringReason(o[key], max);
  return r ? invalid(at(path, key), r) : null;
}

function int(o: Obj, key: string, path: string, required: boolean, min: number, max: number): Check {
  if (o[key] === undefined) return required ? invalid(at(path, key), "is required") : null;
  const r = intReason(o[key], min, max);
  return r ? invalid(at(path, key), r) : null;
}

function pin(o: Obj, key: string, path: string): Check {
  if (o[key] === undefined) return null;
  if (typeof o[key] !== "string" || !PIN_RE.test(o[key] as string)) return invalid(at(path, key), "must be an Espruino pin name such as \"D16\", got " + JSON.stringify(o[key]));
  return null;
}

function serialPort(o: Obj, path: string): Check {
  if (typeof o.serial !== "string" || !SERIAL_RE.test(o.serial)) return invalid(at(path, "serial"), "must be an Espruino UART such as \"Serial2\", got " + JSON.stringify(o.serial));
  if (BAUDS.indexOf(o.baud as number) < 0) return invalid(at(path, "baud"), "must be one of " + BAUDS.join(", ") + ", got " + JSON.stringify(o.baud));
  return null;
}

function first(checks: Check[]): Check {
  for (let i = 0; i < checks.length; i++) if (checks[i] !== null) return checks[i];
  return null;
}

function checkMqtt(m: unknown): Check {
  const s = section(m, "mqtt", MQTT_KEYS);
  if (s) return s;
  const o = m as Obj;
  return first([str(o, "host", "mqtt", true, 253), int(o, "port", "mqtt", true, 1, 65535), str(o, "user", "mqtt", false, 64), str(o, "pass", "mqtt", false, 128), int(o, "keepalive", "mqtt", false, 5, 65535)]);
}

/** A dotted-quad IPv4 address ("192.168.1.10"); written without {n,m} for Espruino's regex. */
export function isIPv4(x: unknown): boolean {
  if (typeof x !== "string") return false;
  const p = x.split(".");
  if (p.length !== 4) return false;
  for (let i = 0; i < 4; i++) if (!/^[0-9]+$/.test(p[i]) || p[i].length > 3 || Number(p[i]) > 255) return false;
  return true;
}

function checkW5500(o: Obj): Check {
  if (o.spi === undefined) return invalid("net.spi", "is required for a W5500 (its sck, miso and mosi pins)");
  const s = section(o.spi, "net.spi", SPI_KEYS);
  if (s) return s;
  const spi = o.spi as Obj;
  for (let i = 0; i < 3; i++) {
    const k = SPI_KEYS[i];
    if (spi[k] === undefined) return invalid("net.spi." + k, "is required");
    const c = pin(spi, k, "net.spi");
    if (c) return c;
  }
  const b = int(spi, "baud", "net.spi", false, SPI_BAUD_MIN, SPI_BAUD_MAX);
  if (b) return b;
  if (o.cs === undefined) return invalid("net.cs", "is required (the W5500's chip-select pin)");
  const c = pin(o, "cs", "net") || pin(o, "rst", "net");
  if (c) return c;
  // One wire per signal: a pin named twice is a wiring mistake that would hang the SPI bus.
  const used: { [pin: string]: string } = {};
  const names = [["net.spi.sck", spi.sck], ["net.spi.miso", spi.miso], ["net.spi.mosi", spi.mosi], ["net.cs", o.cs], ["net.rst", o.rst]];
  for (let i = 0; i < names.length; i++) {
    const p = names[i][1] as string | undefined;
    if (p === undefined) continue;
    if (used[p] !== undefined) return invalid(names[i][0] as string, "pin " + p + " is already " + used[p]);
    used[p] = names[i][0] as string;
  }
  if (o.ip !== undefined) {
    const e = section(o.ip, "net.ip", IP_KEYS);
    if (e) return e;
    const ip = o.ip as Obj;
    for (let i = 0; i < IP_KEYS.length; i++) {
      const k = IP_KEYS[i];
      if (ip[k] === undefined) return invalid("net.ip." + k, "is required for a static address (leave net.ip out for DHCP)");
      if (!isIPv4(ip[k])) return invalid("net.ip." + k, "must be a dotted-quad IPv4 address such as \"192.168.1.20\", got " + JSON.stringify(ip[k]));
    }
  }
  return null;
}

function checkNet(n: unknown): Check {
  if (!isObject(n)) return invalid("net", "must be an object, got " + kindOf(n));
  const o = n as Obj;
  if (o.type !== "wifi" && o.type !== "w5500" && o.type !== "none") return invalid("net.type", "must be \"wifi\", \"w5500\" or \"none\", got " + JSON.stringify(o.type));
  const s = section(n, "net", o.type === "w5500" ? W5500_KEYS : NET_KEYS);
  if (s) return s;
  if (o.type === "w5500") return checkW5500(o);
  if (o.type === "wifi") {
    const c = str(o, "ssid", "net", true, 32);
    if (c) return c;
  }
  // WPA2 passphrases are 8..63 characters; an open network has none.
  if (o.pass !== undefined && (typeof o.pass !== "string" || o.pass.length < 8 || o.pass.length > 63)) return invalid("net.pass", "a WPA2 passphrase has 8..63 characters");
  return null;
}

function checkBus(b: unknown): Check {
  const s = section(b, "bus", BUS_KEYS);
  if (s) return s;
  const o = b as Obj;
  const c = first([serialPort(o, "bus"), pin(o, "rx", "bus"), pin(o, "tx", "bus"), pin(o, "de", "bus"), int(o, "timeout", "bus", false, 20, 10000), int(o, "retries", "bus", false, 0, 5)]);
  if (c) return c;
  if (o.parity !== undefined && o.parity !== "none" && o.parity !== "even" && o.parity !== "odd") return invalid("bus.parity", "must be \"none\", \"even\" or \"odd\", got " + JSON.stringify(o.parity));
  if (o.stop !== undefined && o.stop !== 1 && o.stop !== 2) return invalid("bus.stop", "must be 1 or 2, got " + JSON.stringify(o.stop));
  return null;
}

function checkDevices(d: unknown, knownMaps: string[] | undefined): Check {
  if (!Array.isArray(d)) return invalid("devices", "must be an array, got " + kindOf(d));
  if (d.length > 32) return invalid("devices", "at most 32 devices per node, got " + d.length);
  const ids: { [id: string]: number } = {};
  const units: { [u: string]: number } = {};
  for (let i = 0; i < d.length; i++) {
    const p = idx("devices", i);
    const s = section(d[i], p, DEV_KEYS);
    if (s) return s;
    const o = d[i] as Obj;
    if (!isValidId(o.id)) return invalid(at(p, "id"), "must be 1..32 characters of [A-Za-z0-9_-], got " + JSON.stringify(o.id));
    const c = first([int(o, "unit", p, true, 1, 247), int(o, "every", p, true, 1, 86400), int(o, "fast", p, false, 1, 86400)]);
    if (c) return c;
    if (!isValidId(o.map)) return invalid(at(p, "map"), "must be a register map id, got " + JSON.stringify(o.map));
    if (knownMaps && knownMaps.indexOf(o.map as string) < 0) return invalid(at(p, "map"), "no register map " + JSON.stringify(o.map) + " (known: " + knownMaps.join(", ") + ")");
    if (o.fast !== undefined && (o.fast as number) > (o.every as number)) return invalid(at(p, "fast"), "must not be longer than every (" + o.every + " s)");
    if (ids[o.id as string] !== undefined) return invalid(at(p, "id"), "duplicate device id " + JSON.stringify(o.id) + " (also devices[" + ids[o.id as string] + "])");
    if (units[String(o.unit)] !== undefined) return invalid(at(p, "unit"), "unit " + o.unit + " is already devices[" + units[String(o.unit)] + "] on the same bus");
    ids[o.id as string] = i;
    units[String(o.unit)] = i;
  }
  return null;
}

/**
 * Validates a node configuration. `knownMaps`, when given, lists the register map ids the
 * reader has (the firmware embeds its maps; the gateway reads protocol/maps/).
 */
export function validateNodeConfig(json: unknown, knownMaps?: string[]): ValidationResult<NodeConfig> {
  const s = section(json, "", ROOT_KEYS);
  if (s && !s.ok) return s;
  const o = json as Obj;
  if (!isValidId(o.node)) return invalid("node", "must be 1..32 characters of [A-Za-z0-9_-], got " + JSON.stringify(o.node));
  if (!isValidId(o.farm)) return invalid("farm", "must be 1..32 characters of [A-Za-z0-9_-], got " + JSON.stringify(o.farm));
  if (o.base !== undefined && !isValidId(o.base)) return invalid("base", "must be 1..32 characters of [A-Za-z0-9_-], got " + JSON.stringify(o.base));
  if (o.mqtt === undefined) return invalid("mqtt", "is required");
  let c = checkMqtt(o.mqtt);
  if (c && !c.ok) return c;
  if (o.net !== undefined) {
    c = checkNet(o.net);
    if (c && !c.ok) return c;
  }
  if (o.bus !== undefined) {
    c = checkBus(o.bus);
    if (c && !c.ok) return c;
  }
  if (o.devices === undefined) return invalid("devices", "is required (an empty list for a node without Modbus devices)");
  c = checkDevices(o.devices, knownMaps);
  if (c && !c.ok) return c;
  if ((o.devices as unknown[]).length > 0 && o.bus === undefined) return invalid("bus", "is required when devices are configured");
  if (o.gps !== undefined) {
    c = section(o.gps, "gps", GPS_KEYS) || first([serialPort(o.gps as Obj, "gps"), pin(o.gps as Obj, "rx", "gps"), pin(o.gps as Obj, "tx", "gps")]);
    if (c && !c.ok) return c;
    if (o.bus !== undefined && (o.gps as Obj).serial === (o.bus as Obj).serial) return invalid("gps.serial", "is already used by bus.serial");
  }
  return { ok: true, value: o as unknown as NodeConfig };
}
