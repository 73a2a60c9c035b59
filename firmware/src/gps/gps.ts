/**
 * GPS receiver on its own UART: NMEA 0183 sentences, one per line (CR LF). Lines are parsed
 * by `parse` (protocol's NMEA parser: checksum verified, RMC/GGA); the last valid fix is
 * kept with its fix quality and time, and a reading taken on a tanker carries it (`p`).
 */
import { NmeaLineSplitter, type Clock, type Position } from "@manure-edge/protocol";
import type { Uart } from "../hw/types";

export interface Fix {
  lat: number;
  lon: number;
  /** GGA fix quality (0 invalid, 1 GPS, 2 DGPS...); RMC status A counts as 1. */
  q: number;
}

/** Returns a fix, null for a valid sentence without a fix, or throws/undefined for a bad one. */
export type NmeaParse = (line: string) => Fix | null | undefined;

export class GpsReceiver {
  sentences = 0;
  bad = 0;
  private readonly _lines = new NmeaLineSplitter();
  private _fix: Fix | null = null;
  private _fixAt = 0;

  constructor(
    private readonly _uart: Uart,
    private readonly _clock: Clock,
    private readonly _parse: NmeaParse,
    /** A fix older than this (ms) is not attached to readings. */
    private readonly _maxAge: number,
  ) {}

  start(): void {
    this._uart.onData((chunk) => {
      let s = "";
      for (let i = 0; i < chunk.length; i++) s += String.fromCharCode(chunk[i]);
      const ls = this._lines.push(s);
      for (let i = 0; i < ls.length; i++) this._onLine(ls[i]);
    });
  }

  stop(): void {
    this._uart.onData(null);
  }

  /** The last valid position if recent enough, as the wire's [lat, lon, fix quality]. */
  position(): Position | null {
    if (!this._fix || this._clock.now() - this._fixAt > this._maxAge) return null;
    return [this._fix.lat, this._fix.lon, this._fix.q];
  }

  private _onLine(l: string): void {
    let f: Fix | null | undefined;
    try {
      f = this._parse(l);
    } catch {
      f = undefined;
    }
    if (f === undefined) {
      this.bad++;
      return;
    }
    this.sentences++;
    if (f && f.q > 0) {
      this._fix = f;
      this._fixAt = this._clock.now();
    }
  }
}
