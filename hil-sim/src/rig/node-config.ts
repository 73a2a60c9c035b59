import type { NodeConfig } from "@manure-edge/protocol";
import type { NodeSpec } from "../scenario/types";

/** The farm LAN address every node is configured with; the rig routes it to the gateway's broker. */
export const GATEWAY_LAN = { host: "192.168.1.10", port: 1883 };
export const WIFI = { ssid: "farm", pass: "farm-wifi-pass" };

/** The node's password on the gateway's embedded broker (demo only: derived from its id). */
export function nodePassword(node: string): string {
  return `pw-${node}`;
}

/**
 * node.json for a scenario node (docs/ARCHITECTURE.md "Node configuration"): an ESP32 with a
 * MAX485 on Serial2 (DE on D4) and, on tankers, a GPS receiver on Serial3. MQTT keepalive
 * 300 s (MQTT 3.1.1 §3.1.2.10): a PINGREQ a minute would be most of the real round trips a
 * simulated month has to wait for; a dead link is noticed through Wi-Fi anyway.
 */
export function nodeConfigFor(farm: string, n: NodeSpec): NodeConfig {
  const cfg: NodeConfig = {
    node: n.id, farm, base: "manure",
    mqtt: { host: GATEWAY_LAN.host, port: GATEWAY_LAN.port, user: n.id, pass: nodePassword(n.id), keepalive: 300 },
    net: { type: "wifi", ssid: WIFI.ssid, pass: WIFI.pass },
    bus: { serial: "Serial2", baud: 9600, parity: "none", stop: 1, rx: "D16", tx: "D17", de: "D4", timeout: 200, retries: 2 },
    devices: n.devices.map((d) => {
      const out: NodeConfig["devices"][number] = { id: d.id, unit: d.unit, map: d.map, every: d.every };
      if (d.fast !== undefined) out.fast = d.fast;
      return out;
    }),
  };
  if (n.gps) cfg.gps = { serial: "Serial3", baud: 9600, rx: "D25", tx: "D26" };
  return cfg;
}
