import { describe, expect, it } from "vitest";
import { encodeReadRequest, encodeWriteMultipleRegisters, encodeWriteSingleCoil, encodeWriteSingleRegister, fromHex, putCrc } from "@manure-edge/protocol";
import { VirtualClock } from "../clock/virtual-clock";
import { Rs485Bus } from "../bus/rs485-bus";
import { FaultInjector } from "./faults";
import { ProbeMaster, type ProbeResult } from "./probe-master";
import { RegisterBank } from "./register-space";
import { RtuSlave } from "./rtu-slave";

function rig(opts: { turnaroundMs?: number; parity?: "none" | "even"; chunkMs?: number; holdDE?: boolean; noDE?: boolean; timeoutMs?: number } = {}) {
  const clock = new VirtualClock({ start: Date.UTC(2026, 5, 1) });
  const bus = new Rs485Bus(clock, { baud: 9600, parity: opts.parity });
  const bank = new RegisterBank(7, { holding: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], coil: [0, 1, 0, 0] });
  const faults = new FaultInjector({ seed: 5 });
  const slave = new RtuSlave(bus, bank, { turnaroundMs: opts.turnaroundMs ?? 10, faults });
  slave.start();
  const master = new ProbeMaster(bus, { chunkMs: opts.chunkMs ?? 0, holdDE: opts.holdDE, noDE: opts.noDE, timeoutMs: opts.timeoutMs });
  const run = (req: Uint8Array): ProbeResult => {
    let out: ProbeResult | undefined;
    master.transact(req, (r) => (out = r));
    clock.advance(5000);
    if (!out) throw new Error("no result");
    return out;
  };
  return { clock, bus, bank, slave, master, faults, run };
}

describe("RtuSlave on the byte-level bus", () => {
  it("answers a holding-register read with the bank's values", () => {
    const { run, slave } = rig();
    const r = run(encodeReadRequest(7, 3, 2, 3));
    expect(r.ok && r.response.values).toEqual([300, 400, 500]);
    expect(slave.stats.replies).toBe(1);
  });

  it("an 8-register read at 9600 8N1 takes request + turnaround + reply character times", () => {
    for (const parity of ["none", "even"] as const) {
      const { run, bus, clock } = rig({ turnaroundMs: 12, parity });
      const t0 = clock.now();
      const r = run(encodeReadRequest(7, 3, 0, 8));
      expect(r.ok).toBe(true);
      const bits = parity === "none" ? 10 : 11;
      const ch = (bits * 1000) / 9600;
      // 8-byte request, 12 ms turnaround, 5 + 16 = 21-byte reply; chunkMs 0 delivers at the
      // last stop bit. Within 5 µs: epoch-ms doubles resolve 0.24 µs and 29 steps add up.
      expect(r.at - t0).toBeCloseTo(8 * ch + 12 + 21 * ch, 2);
      expect(bus.stats.collidedChars).toBe(0);
    }
  });

  it("does not answer other unit addresses", () => {
    const { run, slave } = rig({ timeoutMs: 100 });
    const r = run(encodeReadRequest(8, 3, 0, 1));
    expect(r).toMatchObject({ ok: false, error: "timeout", received: 0 });
    expect(slave.stats.notForMe).toBe(1);
  });

  it("answers exceptions 01, 02 and 03 per the spec", () => {
    const { run } = rig();
    const fc4 = run(encodeReadRequest(7, 4, 0, 1)); // no input table
    expect(!fc4.ok && fc4.error !== "timeout" && fc4.error.name).toBe("ILLEGAL FUNCTION");
    const past = run(encodeReadRequest(7, 3, 8, 5));
    expect(!past.ok && past.error !== "timeout" && past.error.name).toBe("ILLEGAL DATA ADDRESS");
    // FC 05 with a coil value that is neither 0xFF00 nor 0x0000.
    const badCoil = putCrc(fromHex("07 05 00 01 12 34 00 00"));
    const bad = run(badCoil);
    expect(!bad.ok && bad.error !== "timeout" && bad.error.name).toBe("ILLEGAL DATA VALUE");
  });

  it("executes writes (FC 05, 06, 16) and broadcasts without replying", () => {
    const { run, bank, clock, master, slave } = rig();
    expect(run(encodeWriteSingleRegister(7, 1, 4242)).ok).toBe(true);
    expect(run(encodeWriteSingleCoil(7, 2, true)).ok).toBe(true);
    expect(run(encodeWriteMultipleRegisters(7, 5, [1, 2, 3])).ok).toBe(true);
    expect(bank.tables.holding!.slice(0, 8)).toEqual([100, 4242, 300, 400, 500, 1, 2, 3]);
    expect(bank.tables.coil).toEqual([0, 1, 1, 0]);
    master.port.setDE(true);
    master.port.write(encodeWriteSingleRegister(0, 0, 9));
    master.port.whenTxIdle(() => master.port.setDE(false));
    clock.advance(1000);
    expect(bank.tables.holding![0]).toBe(9);
    expect(slave.stats.broadcasts).toBe(1);
  });

  it("a request written with DE low is lost and counted", () => {
    const { run, master, slave } = rig({ noDE: true, timeoutMs: 50 });
    const r = run(encodeReadRequest(7, 3, 0, 1));
    expect(r).toMatchObject({ ok: false, error: "timeout" });
    expect(master.port.stats.txLostDeLow).toBe(8);
    expect(slave.stats.requests).toBe(0);
  });

  it("a master that holds DE high loses the reply (collision counted)", () => {
    const { run, master, slave, bus } = rig({ holdDE: true, timeoutMs: 100 });
    const r = run(encodeReadRequest(7, 3, 0, 2));
    expect(r).toMatchObject({ ok: false, error: "timeout", received: 0 });
    expect(slave.stats.replies).toBe(1);
    expect(master.port.stats.rxLostDeHigh).toBe(9);
    expect(bus.stats.collidedChars).toBe(9);
  });

  it("discards a request with a silence longer than t1.5 inside it", () => {
    const { clock, bus, master, slave } = rig();
    const req = encodeReadRequest(7, 3, 0, 1);
    master.port.setDE(true);
    master.port.write(req.subarray(0, 4));
    // 2 character times of silence in the middle of the frame (t1.5 is 1.5).
    bus.clock.setTimeout(() => master.port.write(req.subarray(4)), 4 * bus.charMs + 2 * bus.charMs);
    clock.advance(1000);
    expect(slave.stats.brokenFrames).toBe(1);
    expect(slave.stats.replies).toBe(0);
  });

  it("ignores a frame with a bad CRC (Serial Line §2.4.1)", () => {
    const { run, slave } = rig({ timeoutMs: 50 });
    const req = encodeReadRequest(7, 3, 0, 1);
    req[7] ^= 0x01;
    expect(run(req)).toMatchObject({ ok: false, error: "timeout" });
    expect(slave.stats.badFrames).toBe(1);
  });

  it("draws the turnaround in [min, max] from a seed", () => {
    const turn = (seed: number) => {
      const clock = new VirtualClock({ start: 0 });
      const bus = new Rs485Bus(clock, { baud: 9600 });
      const slave = new RtuSlave(bus, new RegisterBank(1, { holding: [1] }), { turnaroundMs: [5, 20], seed });
      slave.start();
      const m = new ProbeMaster(bus, { chunkMs: 0 });
      const at: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = clock.now();
        m.transact(encodeReadRequest(1, 3, 0, 1), (r) => at.push(r.at - t0 - 15 * bus.charMs));
        clock.advance(500);
      }
      return at;
    };
    const a = turn(1);
    expect(turn(1)).toEqual(a);
    for (const t of a) expect(t).toBeGreaterThanOrEqual(5 - 1e-6);
    for (const t of a) expect(t).toBeLessThanOrEqual(20 + 1e-6);
    expect(new Set(a.map((x) => x.toFixed(3))).size).toBeGreaterThan(1);
  });
});
