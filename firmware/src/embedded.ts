/**
 * Replaced at build time by scripts/build.ts: the node configuration given with --config
 * (or null: read Storage "node.json" at boot), the register maps the firmware carries (only
 * those the configuration references, stripped of notes) and the firmware version.
 */
import type { RegisterMap } from "@manure-edge/protocol";

export const EMBEDDED_CONFIG: unknown = null;
export const EMBEDDED_MAPS: { [id: string]: RegisterMap } = {};
export const FW_VERSION: string = "dev";
/** Build-time tuning (--status-every, --watchdog): status period in s, watchdog timeout in s. */
/**
 * Whether the NMEA parser is in the bundle: false when built with --config whose configuration
 * has no `gps` (the parser and protocol's NMEA code are then left out, ≈ 3 KB).
 */
export const HAS_GPS: boolean = true;
/**
 * Whether the W5500 Ethernet link (src/hw/espruino.ts w5500Link) is in the bundle: false when
 * built with --config whose configuration has another `net.type`.
 */
export const HAS_W5500: boolean = true;
export const EMBEDDED_OPTIONS: { statusEvery?: number; watchdog?: number } = {};
