import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeGGA, encodeRMC, parseGGA, parseRMC } from "./position";
import { nmeaChecksum, NmeaLineSplitter, parseNmea } from "./sentence";

// The classic example sentences quoted with NMEA 0183 references (48°07.038' N, 11°31.000' E).
const GGA = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47";
const RMC = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A";

describe("NMEA 0183 golden sentences", () => {
  it("checksums", () => {
    expect(nmeaChecksum(GGA.slice(1, -3))).toBe(0x47);
    expect(nmeaChecksum(RMC.slice(1, -3))).toBe(0x6a);
  });

  it("GGA", () => {
    const r = parseGGA(GGA + "\r\n");
    if (!r.ok) throw new Error(r.reason);
    expect(r.value).toEqual({ talker: "GP", timeOfDay: (12 * 3600 + 35 * 60 + 19) * 1000, lat: 48.1173, lon: 11.5166667, fix: 1, satellites: 8, hdop: 0.9, altitude: 545.4 });
  });

  it("RMC with date -> epoch ms", () => {
    const r = parseRMC(RMC);
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.valid).toBe(true);
    expect(r.value.time).toBe(Date.UTC(1994, 2, 23, 12, 35, 19));
    expect([r.value.lat, r.value.lon, r.value.speedKnots, r.value.course]).toEqual([48.1173, 11.5166667, 22.4, 84.4]);
  });

  it("south/west are negative; empty fields are null; a void fix is not valid", () => {
    const body = "GNRMC,000001.00,V,,,,,,,,,,N";
    const s = "$" + body + "*" + nmeaChecksum(body).toString(16).toUpperCase().padStart(2, "0");
    const r = parseRMC(s);
    expect(r.ok && [r.value.valid, r.value.lat, r.value.lon, r.value.time]).toEqual([false, null, null, null]);
    const g = parseGGA(encodeGGA({ time: Date.UTC(2026, 0, 1), lat: -33.5, lon: -70.25, fix: 2 }));
    expect(g.ok && [g.value.lat, g.value.lon, g.value.fix]).toEqual([-33.5, -70.25, 2]);
  });

  it("refuses bad checksums, frames and types with a reason", () => {
    expect(parseNmea(GGA.replace("*47", "*48"))).toMatchObject({ ok: false, path: "checksum", reason: "checksum 48 does not match 47" });
    expect(parseNmea(GGA.replace("4807", "4808"))).toMatchObject({ ok: false, path: "checksum" });
    expect(parseNmea(GGA.slice(1))).toMatchObject({ ok: false, reason: "sentence must start with $" });
    expect(parseNmea(GGA.slice(0, -3))).toMatchObject({ ok: false, reason: "missing *hh checksum" });
    expect(parseRMC(GGA)).toMatchObject({ ok: false, reason: "not an RMC sentence: GGA" });
  });
});

describe("encoders", () => {
  it("emit sentences our parser and the checksum rule accept, and round-trip the fix (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2079, 11, 31) }),
        fc.double({ min: -89.999, max: 89.999, noNaN: true }),
        fc.double({ min: -179.999, max: 179.999, noNaN: true }),
        fc.integer({ min: 0, max: 8 }),
        (t, lat, lon, fix) => {
          const t10 = Math.floor(t / 10) * 10;
          const rmc = encodeRMC({ time: t10, lat, lon, valid: true, speedKnots: 12.3, course: 45 });
          expect(rmc.endsWith("\r\n")).toBe(true);
          expect(rmc.length).toBeLessThanOrEqual(82 + 2);
          const r = parseRMC(rmc);
          if (!r.ok) throw new Error(r.reason + " " + rmc);
          expect(r.value.time).toBe(t10);
          // 5 decimals of minutes: 1e-5 / 60 degrees ≈ 2 cm.
          expect(Math.abs((r.value.lat as number) - lat)).toBeLessThan(2e-7);
          expect(Math.abs((r.value.lon as number) - lon)).toBeLessThan(2e-7);
          const g = parseGGA(encodeGGA({ time: t10, lat, lon, fix, satellites: 9, hdop: 1.2, altitude: 35 }));
          if (!g.ok) throw new Error(g.reason);
          expect([g.value.fix, g.value.satellites, g.value.hdop, g.value.altitude]).toEqual([fix, 9, 1.2, 35]);
          expect(g.value.timeOfDay).toBe(t10 % 86400000);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("NmeaLineSplitter", () => {
  it("reassembles sentences from chunks and drops garbage", () => {
    const sp = new NmeaLineSplitter();
    const stream = "xx" + GGA + "\r\n" + RMC + "\r\nnoise\r\n" + GGA;
    const lines: string[] = [];
    for (let i = 0; i < stream.length; i += 7) lines.push(...sp.push(stream.slice(i, i + 7)));
    expect(lines).toEqual([GGA, RMC]);
    expect(sp.dropped).toBe(2 + 5);
    expect(sp.push("\r\n")).toEqual([GGA]);
  });
});

describe("civil date arithmetic", () => {
  it("agrees with Date.UTC both ways (property)", async () => {
    const { daysFromCivil, civilFromDays } = await import("./position");
    fc.assert(
      fc.property(fc.integer({ min: -100000, max: 100000 }), (days) => {
        const d = new Date(days * 86400000);
        expect(civilFromDays(days)).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
        expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(days);
      }),
    );
  });
});
