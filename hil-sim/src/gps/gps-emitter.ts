import { encodeGGA, encodeRMC, type Clock } from "@manure-edge/protocol";
import type { QuantitySource } from "../physics/model";
import { Rs485Bus } from "../bus/rs485-bus";
import type { LineConfig } from "../bus/line-config";
import type { Transceiver } from "../bus/transceiver";

export interface GpsPosition {
  /** WGS84 degrees, south negative. */
  lat: number;
  /** WGS84 degrees, west negative. */
  lon: number;
  speedKnots?: number;
  /** Course over ground, degrees true. */
  course?: number;
  /** Altitude above mean sea level, m. */
  altitude?: number;
}

/** A place where the receiver loses its fix (a shed, a tree-lined lane, a valley). */
export interface NoFixZone {
  lat: number;
  lon: number;
  radiusM: number;
  name?: string;
}

export interface GpsEmitterOptions {
  /** Where the tanker is now; null when the physics says there is no sky view at all. */
  position: () => GpsPosition | null;
  /** Places without a fix. */
  noFixZones?: NoFixZone[];
  /** Line settings of the receiver's UART. Default 9600 8N1, the NMEA 0183 standard rate. */
  line?: LineConfig;
  /** Talker id, default "GN" (multi-constellation: GPS + BeiDou, what receivers in China send). */
  talker?: string;
  /** Satellites used and HDOP reported while fixed. Default 9 and 0.9. */
  satellites?: number;
  hdop?: number;
}

export interface GpsStats {
  /** Seconds with both sentences sent. */
  epochs: number;
  /** Epochs with a valid fix. */
  fixed: number;
  /** Epochs without a fix (zone, or no position). */
  noFix: number;
  /** Epochs skipped because the previous ones had not left the UART yet (baud too low). */
  overruns: number;
  /** Epochs not put on the line because nothing was attached to hear them (saves time in long runs). */
  unheard: number;
}

const EARTH_RADIUS_M = 6_371_008.8; // IUGG mean radius
const MS_PER_KNOT = 1852 / 3600;

/** Great-circle distance in metres (haversine). */
export function distanceM(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const rad = Math.PI / 180;
  const dLat = (bLat - aLat) * rad;
  const dLon = (bLon - aLon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * rad) * Math.cos(bLat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The tanker's GPS receiver on its own UART: once per second, at the top of each UTC second
 * as receivers do, an RMC then a GGA sentence (NMEA 0183, checksummed, encoded by protocol's
 * encodeRMC/encodeGGA), each character taking its bit-times on the line. Without a fix (in a
 * no-fix zone, or no position) RMC carries status V and GGA fix quality 0 with 0 satellites,
 * and the last known position, as receivers holding their last solution do: a node must look
 * at the status, not at whether coordinates are present.
 *
 * The node's side: `gps.line.attach("node", { onData })` (the Espruino runtime's Serial3).
 */
export class GpsEmitter {
  readonly line: Rs485Bus;
  readonly stats: GpsStats = { epochs: 0, fixed: 0, noFix: 0, overruns: 0, unheard: 0 };
  /** Force a fix loss everywhere (antenna cable cut). */
  antennaFault = false;
  private readonly tx: Transceiver;
  private timer: unknown = undefined;
  private last: GpsPosition | undefined;

  constructor(
    clock: Clock,
    private readonly opts: GpsEmitterOptions,
  ) {
    this.line = new Rs485Bus(clock, opts.line ?? { baud: 9600 });
    this.tx = this.line.attach("gps");
  }

  start(): void {
    if (this.timer !== undefined) return;
    // A UART TX line idles driven (mark): the "driver" is always enabled.
    this.tx.setDE(true);
    const clock = this.line.clock;
    const toNextSecond = 1000 - (((clock.now() % 1000) + 1000) % 1000);
    this.timer = clock.setTimeout(() => {
      this.emit();
      this.timer = clock.setInterval(() => this.emit(), 1000);
    }, toNextSecond === 1000 ? 0 : toNextSecond);
  }

  stop(): void {
    if (this.timer !== undefined) {
      this.line.clock.clearTimeout(this.timer);
      this.line.clock.clearInterval(this.timer);
    }
    this.timer = undefined;
    this.tx.setDE(false);
  }

  /** True if the receiver has no fix at `p`. */
  inNoFixZone(p: GpsPosition): boolean {
    return (this.opts.noFixZones ?? []).some((z) => distanceM(p.lat, p.lon, z.lat, z.lon) <= z.radiusM);
  }

  private emit(): void {
    if (this.tx.txPending > 0) {
      this.stats.overruns++;
      return;
    }
    const time = Math.round(this.line.clock.now());
    const p = this.opts.position();
    const fixed = p !== null && !this.antennaFault && !this.inNoFixZone(p);
    if (fixed) this.last = p;
    const at = fixed ? p : (this.last ?? { lat: 0, lon: 0 });
    const talker = this.opts.talker ?? "GN";
    const rmc = encodeRMC({ time, lat: at.lat, lon: at.lon, valid: fixed, speedKnots: fixed ? p.speedKnots : 0, course: fixed ? p.course : undefined, talker });
    const gga = encodeGGA({
      time,
      lat: at.lat,
      lon: at.lon,
      fix: fixed ? 1 : 0,
      satellites: fixed ? (this.opts.satellites ?? 9) : 0,
      hdop: fixed ? (this.opts.hdop ?? 0.9) : undefined,
      altitude: fixed ? p.altitude : undefined,
      talker,
    });
    if (this.line.attached > 1) this.tx.write(rmc + gga);
    else this.stats.unheard++;
    this.stats.epochs++;
    if (fixed) this.stats.fixed++;
    else this.stats.noFix++;
  }
}

/**
 * Position from a physics model that has quantities "lat" and "lon" (degrees) and optionally
 * "speed" (m/s), "course" (degrees true) and "gpsFix" (0 where the model says the sky is
 * hidden: then no position, so the receiver reports no fix).
 */
export function positionFromModel(model: QuantitySource): () => GpsPosition | null {
  const has = (q: string) => Object.prototype.hasOwnProperty.call(model.quantities, q);
  if (!has("lat") || !has("lon")) throw new Error(`gps: ${model.id} (${model.kind}) has no lat/lon quantities (known: ${Object.keys(model.quantities).join(", ")})`);
  return () => {
    if (has("gpsFix") && model.quantity("gpsFix") === 0) return null;
    return {
      lat: model.quantity("lat"),
      lon: model.quantity("lon"),
      speedKnots: has("speed") ? model.quantity("speed") / MS_PER_KNOT : undefined,
      course: has("course") ? model.quantity("course") : undefined,
    };
  };
}
