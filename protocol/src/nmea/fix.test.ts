/**
 * nmeaFix (what a node keeps of a sentence) must give the verdict of the full parsers on every
 * line: the fix (position and quality), no fix (null) or a bad sentence (undefined). Lines: RMC
 * and GGA made by the encoders from random values, random bodies with a correct checksum, and
 * both broken anywhere (a character replaced or cut, with the checksum redone or not).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeGGA, encodeRMC, parseGGA, parseRMC } from "./position";
import { nmeaSentence, parseNmea } from "./sentence";
import { nmeaFix, type PositionFix } from "./fix";

/** The verdict of the full parsers: a fix from a valid RMC or a GGA of quality > 0 with a position. */
function reference(line: string): PositionFix | null | undefined {
  const type = line.substr(3, 3);
  if (type === "GGA") {
    const g = parseGGA(line);
    if (!g.ok) return undefined;
    return g.value.fix > 0 && g.value.lat !== null && g.value.lon !== null ? { lat: g.value.lat, lon: g.value.lon, q: g.value.fix } : null;
  }
  if (type === "RMC") {
    const r = parseRMC(line);
    if (!r.ok) return undefined;
    return r.value.valid && r.value.lat !== null && r.value.lon !== null ? { lat: r.value.lat, lon: r.value.lon, q: 1 } : null;
  }
  return parseNmea(line).ok ? null : undefined;
}

const T0 = Date.UTC(2026, 5, 1);
const CHARS = "0123456789.,-+*$ABCDEFGNSWEMVaf\r\n ";

const made = fc.oneof(
  fc.record({ t: fc.integer({ min: 0, max: 86400000 }), lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }), valid: fc.boolean() })
    .map((r) => encodeRMC({ time: T0 + r.t, lat: r.lat, lon: r.lon, valid: r.valid })),
  fc.record({ t: fc.integer({ min: 0, max: 86400000 }), lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }), fix: fc.integer({ min: 0, max: 8 }), sats: fc.integer({ min: 0, max: 24 }) })
    .map((r) => encodeGGA({ time: T0 + r.t, lat: r.lat, lon: r.lon, fix: r.fix, satellites: r.sats, hdop: 1, altitude: 12 } as never)),
  // Random bodies with a correct checksum: an address then fields of near-valid text.
  fc.record({
    talker: fc.constantFrom("GP", "GN", "BD", "G"),
    type: fc.constantFrom("RMC", "GGA", "GSV", "RM"),
    fields: fc.array(fc.oneof(fc.constantFrom("", "A", "V", "N", "S", "E", "W", "1", "0", "-1", "4124.8963", "12045.123", "9100.0", "18100.0", "0060.0", "x"), fc.stringMatching(/^[0-9.A-Z-]{0,9}$/)), { maxLength: 14 }),
  }).map((r) => nmeaSentence(r.talker + r.type + (r.fields.length ? "," + r.fields.join(",") : ""))),
);

const broken = fc.record({ line: made, edit: fc.constantFrom("none", "char", "char+sum", "cut", "strip"), at: fc.nat(120), c: fc.constantFrom(...CHARS.split("")) }).map((x) => {
  const s = x.line;
  const i = x.at % s.length;
  if (x.edit === "char") return s.substring(0, i) + x.c + s.substring(i + 1);
  if (x.edit === "cut") return s.substring(0, i);
  if (x.edit === "strip") return s.replace(/\r\n$/, "");
  if (x.edit === "char+sum") {
    const body = s.substring(1, s.lastIndexOf("*"));
    const j = x.at % (body.length || 1);
    return nmeaSentence(body.substring(0, j) + x.c + body.substring(j + 1));
  }
  return s;
});

describe("nmeaFix (a node's NMEA 0183 RMC/GGA fix)", () => {
  it("gives parseRMC's and parseGGA's verdict on random, valid and broken sentences", () => {
    const seen = { fix: 0, none: 0, bad: 0 };
    fc.assert(fc.property(broken, (line) => {
      const want = reference(line);
      seen[want === undefined ? "bad" : want === null ? "none" : "fix"]++;
      expect(nmeaFix(line)).toEqual(want);
    }), { numRuns: 30000 });
    // Every kind of verdict was compared many times.
    expect(seen.fix).toBeGreaterThan(2000);
    expect(seen.none).toBeGreaterThan(2000);
    expect(seen.bad).toBeGreaterThan(2000);
  });
});
