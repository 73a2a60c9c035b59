/**
 * The tanker's GPS receiver: NMEA 0183 RMC/GGA lines on a UART, read by protocol's nmeaFix
 * (position and fix quality only: NMEA 0183 v4.10 §5.3 frame and checksum, then the fields).
 */
import { nmeaFix, type Clock } from "@manure-edge/protocol";
import type { Uart } from "../hw/types";
import { GpsReceiver } from "./gps";

/** The tanker's GPS receiver: NMEA 0183 on `uart`, a fix kept for 30 s. */
export function nmeaReceiver(uart: Uart, clock: Clock): GpsReceiver {
  return new GpsReceiver(uart, clock, nmeaFix, 30000);
}
