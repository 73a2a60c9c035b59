/**
 * Entry point of the bundle (dist/firmware.js). Evaluating the bundle starts the node; see
 * runOnEspruino for save()/power-up. Everything board-specific is in hw/espruino.ts.
 */
import { EMBEDDED_CONFIG, EMBEDDED_MAPS, EMBEDDED_OPTIONS, FW_VERSION, HAS_GPS, HAS_W5500 } from "./embedded";
import { espruinoHardware, runOnEspruino, w5500Link } from "./hw/espruino";
import { loadConfig } from "./app/config";
import { DEFAULT_NODE, SensorNode } from "./app/node";
import { nmeaReceiver } from "./gps/nmea";

let node: SensorNode | null = null;

/**
 * Default watchdog, s, for a W5500 on DHCP: a DHCP round that gets no answer blocks the
 * interpreter ≈ 30 s (libs/network/wiznet/DHCP/dhcp.h: DISCOVER resent MAX_DHCP_RETRY = 2
 * times every DHCP_WAIT_TIME = 10 s), longer than the usual 30 s watchdog (reset loop seen
 * in test/hil/w5500.test.ts without this).
 */
const W5500_DHCP_WATCHDOG = 45;

runOnEspruino(function () {
  const hw = espruinoHardware();
  const l = loadConfig(hw.storage, EMBEDDED_CONFIG, Object.keys(EMBEDDED_MAPS));
  for (let i = 0; i < l.errors.length; i++) hw.platform.log("config: " + l.errors[i]);
  if (!l.cfg) {
    hw.platform.log("no valid configuration: write node.json to Storage and reboot");
    return;
  }
  const net = l.cfg.net;
  const dhcp = HAS_W5500 && !!net && net.type === "w5500" && !net.ip;
  node = new SensorNode(hw, l.cfg, {
    fw: FW_VERSION, maps: EMBEDDED_MAPS, gps: HAS_GPS ? nmeaReceiver : undefined, w5500: HAS_W5500 ? w5500Link : undefined,
    watchdog: EMBEDDED_OPTIONS.watchdog === undefined ? (dhcp ? W5500_DHCP_WATCHDOG : DEFAULT_NODE.watchdog) : EMBEDDED_OPTIONS.watchdog,
    statusEvery: EMBEDDED_OPTIONS.statusEvery ? EMBEDDED_OPTIONS.statusEvery * 1000 : DEFAULT_NODE.statusEvery,
  });
  if (l.cfg.gps && !HAS_GPS) hw.platform.log("config: gps: this firmware has no GPS support (built without it); running without GPS");
  node.start();
  hw.platform.log("node " + l.cfg.node + " boot " + node.boot + " fw " + FW_VERSION + " config from " + l.source);
}, function () {
  if (node) node.stop();
  node = null;
});
