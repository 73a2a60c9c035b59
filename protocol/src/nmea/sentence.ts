/**
 * NMEA 0183 sentences: "$" + talker (2) + type (3) + "," fields + "*" + checksum (2 hex) +
 * CR LF. The checksum is the XOR of every character between "$" and "*" (NMEA 0183 v4.10
 * §5.3.1). Talkers seen on farms: GP (GPS), GL (GLONASS), GA (Galileo), BD/GB (BeiDou),
 * GN (multi-constellation, what most receivers in China send).
 */
import { invalid, ValidationResult } from "../validation";

const HEX = "0123456789ABCDEF";

/** XOR of the characters of `body` (the text between "$" and "*"), 0..255. */
export function nmeaChecksum(body: string): number {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i) & 0xff;
  return x;
}

/** "$" + body + "*" + checksum + CR LF. */
export function nmeaSentence(body: string): string {
  const c = nmeaChecksum(body);
  return "$" + body + "*" + HEX.charAt(c >> 4) + HEX.charAt(c & 15) + "\r\n";
}

export interface NmeaSentence {
  /** "GP", "GN", "BD"... */
  talker: string;
  /** "RMC", "GGA"... */
  type: string;
  /** Fields after the address field; empty fields are "". */
  fields: string[];
}

/** Checks the frame and checksum of one sentence (trailing CR LF allowed) and splits it. */
export function parseNmea(line: string): ValidationResult<NmeaSentence> {
  let s = line;
  while (s.length > 0 && (s.charAt(s.length - 1) === "\n" || s.charAt(s.length - 1) === "\r")) s = s.substring(0, s.length - 1);
  if (s.charAt(0) !== "$") return invalid("", "sentence must start with $");
  if (s.length > 82) return invalid("", "sentence longer than 82 characters (NMEA 0183 §5.3)");
  const star = s.lastIndexOf("*");
  if (star < 0 || star !== s.length - 3) return invalid("", "missing *hh checksum");
  const body = s.substring(1, star);
  const given = parseInt(s.substring(star + 1), 16);
  const want = nmeaChecksum(body);
  if (HEX.indexOf(s.charAt(star + 1).toUpperCase()) < 0 || HEX.indexOf(s.charAt(star + 2).toUpperCase()) < 0 || given !== want) {
    return invalid("checksum", "checksum " + s.substring(star + 1) + " does not match " + HEX.charAt(want >> 4) + HEX.charAt(want & 15));
  }
  const parts = body.split(",");
  const addr = parts[0];
  if (addr.length !== 5) return invalid("", "address field must be talker + type (5 characters), got " + JSON.stringify(addr));
  return { ok: true, value: { talker: addr.substring(0, 2), type: addr.substring(2), fields: parts.slice(1) } };
}

/**
 * Splits a serial byte stream into sentences: push text chunks, get complete lines that
 * start with "$". Partial lines wait for the next chunk; overlong garbage is dropped and
 * counted.
 */
export class NmeaLineSplitter {
  dropped = 0;
  private buf = "";

  push(chunk: string): string[] {
    const out: string[] = [];
    this.buf += chunk;
    let nl = this.buf.indexOf("\n");
    while (nl >= 0) {
      let line = this.buf.substring(0, nl);
      this.buf = this.buf.substring(nl + 1);
      if (line.charAt(line.length - 1) === "\r") line = line.substring(0, line.length - 1);
      const d = line.indexOf("$");
      if (d > 0) this.dropped += d;
      if (d >= 0) out.push(line.substring(d));
      else this.dropped += line.length;
      nl = this.buf.indexOf("\n");
    }
    if (this.buf.length > 164) {
      this.dropped += this.buf.length;
      this.buf = "";
    }
    return out;
  }
}
