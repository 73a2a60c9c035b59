import { describe, expect, it } from "vitest";
import { NmeaLineSplitter, parseGGA, parseNmea, parseRMC } from "@manure-edge/protocol";
import { VirtualClock } from "../clock/virtual-clock";
import { distanceM, GpsEmitter, type GpsPosition } from "./gps-emitter";

// A lane in a county of north-east China, heading east at 10 m/s.
const start = { lat: 41.8, lon: 120.75 };
const METERS_PER_DEG_LON = (Math.PI / 180) * 6_371_008.8 * Math.cos((start.lat * Math.PI) / 180);

function rig(zones = [{ lat: start.lat, lon: start.lon + 200 / METERS_PER_DEG_LON, radiusM: 50, name: "shed" }]) {
  const clock = new VirtualClock({ start: Date.UTC(2026, 7, 15, 6, 0, 0, 300) });
  const t0 = clock.now();
  const pos = (): GpsPosition => ({ lat: start.lat, lon: start.lon + (10 * (clock.now() - t0)) / 1000 / METERS_PER_DEG_LON, speedKnots: 19.4, course: 90 });
  const gps = new GpsEmitter(clock, { position: pos, noFixZones: zones });
  const lines: { at: number; line: string }[] = [];
  const splitter = new NmeaLineSplitter();
  const chunks: number[] = [];
  gps.line.attach("node", {
    chunkMs: 10,
    onData: (c) => {
      chunks.push(c.length);
      for (const l of splitter.push(String.fromCharCode(...c))) lines.push({ at: gps.line.clock.now(), line: l });
    },
  });
  gps.start();
  return { clock, gps, lines, chunks, t0 };
}

describe("GpsEmitter", () => {
  it("sends RMC then GGA once per UTC second, checksummed, with the physics' position", () => {
    const { clock, lines, gps } = rig([]);
    clock.advance(10_000);
    expect(gps.stats.epochs).toBe(10);
    expect(lines.length).toBe(20);
    for (const { line } of lines) expect(parseNmea(line).ok).toBe(true);
    const rmc = parseRMC(lines[0].line);
    const gga = parseGGA(lines[1].line);
    if (!rmc.ok || !gga.ok) throw new Error("bad sentence");
    // First epoch at the top of the next second: 06:00:01 UTC, 7 m east of the start.
    expect(rmc.value.time).toBe(Date.UTC(2026, 7, 15, 6, 0, 1));
    expect(rmc.value.valid).toBe(true);
    expect(gga.value.fix).toBe(1);
    expect(distanceM(rmc.value.lat!, rmc.value.lon!, start.lat, start.lon + 7 / METERS_PER_DEG_LON)).toBeLessThan(0.1);
    expect(rmc.value.speedKnots).toBeCloseTo(19.4, 1);
  });

  it("takes the line's character times (9600 8N1) and arrives in chunks", () => {
    const { clock, lines, chunks } = rig([]);
    clock.advance(1_500);
    const bytes = lines[0].line.length + lines[1].line.length + 4; // the splitter strips CR LF
    expect(chunks.reduce((s, n) => s + n, 0)).toBe(bytes);
    expect(chunks.length).toBeGreaterThan(5);
    // The GGA line completes after all its characters, rounded up to the 10 ms chunk.
    const done = lines[1].at - Date.UTC(2026, 7, 15, 6, 0, 1);
    expect(done).toBeGreaterThanOrEqual((bytes * 10 * 1000) / 9600 - 1e-6);
    expect(done).toBeLessThan((bytes * 10 * 1000) / 9600 + 10.001);
  });

  it("loses the fix in a configured place: RMC status V, GGA fix 0, then recovers", () => {
    const { clock, lines, gps } = rig();
    clock.advance(40_000);
    const states = lines.filter((l) => l.line.includes("RMC")).map((l) => (parseRMC(l.line) as { value: { valid: boolean } }).value.valid);
    const fixes = lines.filter((l) => l.line.includes("GGA")).map((l) => (parseGGA(l.line) as { value: { fix: number } }).value.fix);
    // The shed is 150..250 m along the lane: seconds 15..25 at 10 m/s.
    expect(states.slice(0, 14).every((v) => v)).toBe(true);
    expect(states.slice(15, 25).every((v) => !v)).toBe(true);
    expect(states.slice(26).every((v) => v)).toBe(true);
    expect(fixes.filter((f) => f === 0).length).toBe(gps.stats.noFix);
    expect(gps.stats.noFix).toBeGreaterThanOrEqual(9);
    expect(gps.stats.noFix).toBeLessThanOrEqual(11);
  });

  it("an antenna fault loses the fix everywhere", () => {
    const { clock, lines, gps } = rig([]);
    gps.antennaFault = true;
    clock.advance(3_000);
    expect(lines.filter((l) => l.line.includes("GGA")).every((l) => (parseGGA(l.line) as { value: { fix: number } }).value.fix === 0)).toBe(true);
    expect(gps.stats.fixed).toBe(0);
  });
});
