import { describe, expect, it } from "vitest";
import { Rs485Bus } from "./rs485-bus";
import { bitsPerChar, charMs } from "./line-config";
import { VirtualClock } from "../clock/virtual-clock";

function setup(opts: { parity?: "none" | "even"; stopBits?: 1 | 2; chunkMs?: number } = {}) {
  const clock = new VirtualClock({ start: 1_000_000 });
  const bus = new Rs485Bus(clock, { baud: 9600, parity: opts.parity, stopBits: opts.stopBits });
  const got: { at: number; bytes: number[] }[] = [];
  const a = bus.attachMaster({ onData: (c) => got.push({ at: bus.clock.now(), bytes: [...c] }), chunkMs: opts.chunkMs ?? 0 });
  const bBytes: { at: number; byte: number; suspect: boolean }[] = [];
  const b = bus.attach("slave", { onByte: (byte, suspect) => bBytes.push({ at: bus.clock.now(), byte, suspect }) });
  return { clock, bus, a, b, got, bBytes };
}

describe("line config", () => {
  it("counts 10 bits for 8N1 and 11 for 8E1 and 8N2", () => {
    expect(bitsPerChar({ baud: 9600 })).toBe(10);
    expect(bitsPerChar({ baud: 9600, parity: "even" })).toBe(11);
    expect(bitsPerChar({ baud: 9600, stopBits: 2 })).toBe(11);
    expect(charMs({ baud: 9600 })).toBeCloseTo(10 / 9.6, 9);
  });
  it("rejects a bad line config with the field named", () => {
    const clock = new VirtualClock();
    expect(() => new Rs485Bus(clock, { baud: 0 })).toThrow(/baud/);
    expect(() => new Rs485Bus(clock, { baud: 9600, stopBits: 3 as 1 })).toThrow(/stopBits/);
  });
});

describe("Rs485Bus", () => {
  it("delivers each byte one character time after the previous (8N1 and 8E1)", () => {
    for (const parity of ["none", "even"] as const) {
      const { clock, bus, a, bBytes } = setup({ parity });
      const t0 = clock.now();
      a.setDE(true);
      a.write([0x01, 0x03, 0xff]);
      clock.advance(1000);
      expect(bBytes.map((x) => x.byte)).toEqual([0x01, 0x03, 0xff]);
      const ch = (bitsPerChar({ baud: 9600, parity }) * 1000) / 9600;
      expect(bus.charMs).toBeCloseTo(ch, 12);
      bBytes.forEach((x, i) => expect(x.at - t0).toBeCloseTo((i + 1) * ch, 9));
      expect(a.stats.txChars).toBe(3);
    }
  });

  it("loses bytes written while DE is low, and counts them", () => {
    const { clock, a, b, bBytes } = setup();
    a.write([1, 2, 3, 4]);
    clock.advance(1000);
    expect(bBytes).toEqual([]);
    expect(a.stats.txLostDeLow).toBe(4);
    expect(a.stats.txChars).toBe(0);
    expect(b.stats.rxBytes).toBe(0);
  });

  it("cuts the last character when DE drops before its stop bit", () => {
    const { clock, bus, a, bBytes } = setup();
    a.setDE(true);
    a.write([0x11, 0x00]);
    // Drop DE half-way through the second character: start bit + 4 data bits sent.
    bus.clock.setTimeout(() => a.setDE(false), bus.charMs + bus.bitMs * 5.5);
    clock.advance(1000);
    expect(bBytes[0]).toMatchObject({ byte: 0x11, suspect: false });
    // Data bits 0..3 of 0x00 arrive, bits 4..7 read as idle 1s.
    expect(bBytes[1]).toMatchObject({ byte: 0xf0, suspect: true });
    expect(a.stats.txCut).toBe(1);
    expect(bus.stats.cutChars).toBe(1);
  });

  it("corrupts both transmissions when two drivers overlap (collision)", () => {
    const { clock, bus, a, b } = setup();
    const sniffed: number[] = [];
    bus.attach("sniffer", { onByte: (x) => sniffed.push(x) });
    a.setDE(true);
    b.setDE(true);
    a.write([0x55, 0x55]);
    bus.clock.setTimeout(() => b.write([0xaa]), bus.charMs / 2);
    clock.advance(1000);
    expect(bus.stats.collidedChars).toBeGreaterThanOrEqual(2);
    expect(sniffed.length).toBe(3);
    expect(sniffed).not.toEqual([0x55, 0x55, 0xaa]);
  });

  it("a master holding DE high loses the reply and the reply is counted as collided", () => {
    const { clock, bus, a, b, got } = setup();
    a.setDE(true);
    b.setDE(true);
    b.write([1, 2, 3]);
    clock.advance(1000);
    expect(got).toEqual([]);
    expect(a.stats.rxLostDeHigh).toBe(3);
    expect(bus.stats.collidedChars).toBe(3);
  });

  it("the master receives the reply once it has released DE", () => {
    const { clock, a, b, got } = setup();
    b.setDE(true);
    b.write([1, 2, 3]);
    b.whenTxIdle(() => b.setDE(false));
    clock.advance(1000);
    expect(got.flatMap((g) => g.bytes)).toEqual([1, 2, 3]);
    expect(a.stats.rxLostDeHigh).toBe(0);
    expect(b.de).toBe(false);
  });

  it("delivers received bytes in chunks of chunkMs, like Espruino's polling", () => {
    const { clock, bus, b, got } = setup({ chunkMs: 5 });
    b.setDE(true);
    b.write(new Uint8Array(12).fill(7));
    b.whenTxIdle(() => b.setDE(false));
    clock.advance(1000);
    const sizes = got.map((g) => g.bytes.length);
    expect(sizes.reduce((s, n) => s + n, 0)).toBe(12);
    expect(sizes.length).toBeGreaterThan(1);
    // Each chunk holds what arrived within 5 ms of its first byte.
    for (const n of sizes) expect(n).toBeLessThanOrEqual(Math.ceil(5 / bus.charMs));
  });

  it("drainMs reports the time until the last stop bit", () => {
    const { clock, bus, a } = setup();
    a.setDE(true);
    a.write([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(a.drainMs()).toBeCloseTo(8 * bus.charMs, 9);
    let seen: number[] = [];
    bus.clock.setTimeout(() => (seen = [a.drainMs(), a.txPending]), bus.charMs * 2.5);
    clock.advance(1000);
    expect(seen[0]).toBeCloseTo(5.5 * bus.charMs, 9);
    expect(seen[1]).toBe(6);
  });

  it("a detached transceiver no longer receives and refuses to write", () => {
    const { clock, a, b, bBytes } = setup();
    b.detach();
    a.setDE(true);
    a.write([1]);
    clock.advance(1000);
    expect(bBytes).toEqual([]);
    expect(() => b.write([1])).toThrow(/detached/);
  });
});

describe("FineClock on the whole-millisecond VirtualClock", () => {
  it("keeps fractional character times exact over a long burst (no drift)", () => {
    const clock = new VirtualClock({ start: 0 });
    const bus = new Rs485Bus(clock, { baud: 9600, parity: "even" });
    const at: number[] = [];
    bus.attach("rx", { onByte: () => at.push(bus.clock.now()) });
    const tx = bus.attach("tx");
    tx.setDE(true);
    tx.write(new Uint8Array(256));
    clock.advance(1000);
    expect(at.length).toBe(256);
    expect(at[255]).toBeCloseTo(256 * bus.charMs, 9);
    // Outside bus events the bus clock is the base clock: never behind it.
    expect(bus.clock.now()).toBe(clock.now());
  });
});

describe("random bit errors on the line", () => {
  it("flip about bitErrorRate × bits of the characters, deterministically; parity flags them, 8N1 does not", () => {
    for (const parity of ["none", "even"] as const) {
      const run = () => {
        const clock = new VirtualClock({ start: 0 });
        const bus = new Rs485Bus(clock, { baud: 9600, parity, bitErrorRate: 0.001, seed: 2 });
        const got: number[] = [];
        const rx = bus.attach("rx", { onByte: (b) => got.push(b) });
        const tx = bus.attach("tx");
        tx.setDE(true);
        tx.write(new Uint8Array(20_000).fill(0x55));
        clock.advance(60_000);
        return { got, bus, rx };
      };
      const { got, bus, rx } = run();
      const wrong = got.filter((b) => b !== 0x55).length;
      expect(wrong).toBe(bus.stats.bitErrors);
      const expected = 20_000 * (1 - Math.pow(0.999, bus.bitsPerChar));
      expect(wrong).toBeGreaterThan(expected * 0.7);
      expect(wrong).toBeLessThan(expected * 1.3);
      expect(rx.stats.rxSuspect).toBe(parity === "none" ? 0 : wrong);
      expect(run().got).toEqual(got);
    }
  });
});
