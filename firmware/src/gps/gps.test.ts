import { describe, expect, it } from "vitest";
import { encodeGGA, encodeRMC, nmeaFix } from "@manure-edge/protocol";
import { GpsReceiver } from "./gps";
import { LoopUart } from "../../test/node-hw";

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));

function rig() {
  let now = Date.UTC(2026, 5, 1);
  const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined, setInterval: () => 0, clearInterval: () => undefined };
  const uart = new LoopUart(() => undefined);
  const gps = new GpsReceiver(uart, clock, nmeaFix, 30000);
  gps.start();
  return { gps, uart, advance: (ms: number) => (now += ms), now: () => now };
}

describe("GPS receiver (NMEA 0183 on its own UART)", () => {
  it("keeps the last valid GGA fix with its quality, from sentences cut anywhere", () => {
    const { gps, uart, now } = rig();
    const s = encodeGGA({ time: now(), lat: 41.7912345, lon: 120.7654321, fix: 2, satellites: 9, hdop: 0.9, altitude: 210 } as never);
    const all = bytes(s + s);
    uart.deliver(all.subarray(0, 17));
    expect(gps.position()).toBeNull();
    uart.deliver(all.subarray(17));
    const p = gps.position()!;
    expect(p[0]).toBeCloseTo(41.7912345, 5);
    expect(p[1]).toBeCloseTo(120.7654321, 5);
    expect(p[2]).toBe(2);
    expect(gps.sentences).toBe(2);
  });

  it("a bad checksum is counted and changes nothing; a no-fix sentence keeps the last fix until it is too old", () => {
    const { gps, uart, now, advance } = rig();
    uart.deliver(bytes(encodeRMC({ time: now(), lat: -33.5, lon: 151.25, valid: true })));
    expect(gps.position()).toEqual([-33.5, 151.25, 1]);
    const good = encodeGGA({ time: now(), lat: 10, lon: 20, fix: 1, satellites: 5, hdop: 1, altitude: 1 } as never);
    const corrupt = good.replace("*", "0*");
    uart.deliver(bytes(corrupt));
    expect(gps.bad).toBe(1);
    expect(gps.position()![0]).toBe(-33.5);
    uart.deliver(bytes(encodeGGA({ time: now(), lat: 0, lon: 0, fix: 0, satellites: 0, hdop: 0, altitude: 0 } as never)));
    expect(gps.position()![0]).toBe(-33.5);
    advance(31000);
    expect(gps.position()).toBeNull();
  });
});
