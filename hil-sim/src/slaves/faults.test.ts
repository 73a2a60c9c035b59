import { describe, expect, it } from "vitest";
import { encodeReadRequest } from "@manure-edge/protocol";
import { VirtualClock } from "../clock/virtual-clock";
import { Rs485Bus } from "../bus/rs485-bus";
import { FaultInjector, FAULT_KINDS, type FaultKind } from "./faults";
import { ProbeMaster, type ProbeResult } from "./probe-master";
import { RegisterBank } from "./register-space";
import { RtuSlave } from "./rtu-slave";
import { LineNoise } from "../bus/line-noise";

function rig(seed = 3) {
  const clock = new VirtualClock({ start: Date.UTC(2026, 5, 1) });
  const bus = new Rs485Bus(clock, { baud: 9600, seed });
  const faults = new FaultInjector({ seed, lateMs: 400 });
  const slave = new RtuSlave(bus, new RegisterBank(5, { holding: [11, 22, 33, 44] }), { turnaroundMs: 8, faults });
  slave.start();
  const master = new ProbeMaster(bus, { chunkMs: 5, timeoutMs: 200 });
  const req = encodeReadRequest(5, 3, 0, 4);
  const run = (): ProbeResult => {
    let out: ProbeResult | undefined;
    master.transact(req, (r) => (out = r));
    // Long enough for a late reply to finish too, so the next transaction starts clean.
    clock.advance(1000);
    return out!;
  };
  return { clock, bus, faults, slave, master, run };
}

const errName = (r: ProbeResult) => (r.ok ? "ok" : r.error === "timeout" ? "timeout" : r.error.kind === "exception" ? r.error.name : r.error.kind);

describe("injected faults are observable by a master", () => {
  it("bit error → CRC error detected by decodeResponse", () => {
    const { faults, run, master } = rig();
    faults.next("bitError");
    expect(errName(run())).toBe("crc");
    expect(master.assembler.crcErrors).toBe(1);
    expect(run().ok).toBe(true);
  });

  it("truncated reply → not a valid frame (length or CRC), never values", () => {
    const { faults, run } = rig();
    faults.next("truncate");
    expect(["length", "crc"]).toContain(errName(run()));
  });

  it("no reply → timeout with nothing received", () => {
    const { faults, run } = rig();
    faults.next("noReply");
    expect(run()).toMatchObject({ ok: false, error: "timeout", received: 0 });
  });

  it("late reply → timeout; the reply arrives afterwards and is dropped as stray", () => {
    const { faults, run, master } = rig();
    faults.next("late");
    const r = run();
    expect(r).toMatchObject({ ok: false, error: "timeout", received: 0 });
    expect(master.port.stats.rxBytes).toBe(13); // it did come, after the timeout
    expect(master.assembler.droppedBytes).toBeGreaterThanOrEqual(13);
  });

  it("exception → decoded by name", () => {
    const { faults, run } = rig();
    faults.next("exception", { exceptionCode: 4 });
    expect(errName(run())).toBe("SERVER DEVICE FAILURE");
    faults.next("exception", { exceptionCode: 6 });
    expect(errName(run())).toBe("SERVER DEVICE BUSY");
  });

  it("garbage before the reply → the assembler skips it and the values are right", () => {
    const { faults, run, master } = rig();
    faults.next("garbage");
    const r = run();
    expect(r.ok && r.response.values).toEqual([11, 22, 33, 44]);
    expect(master.assembler.droppedBytes).toBeGreaterThan(0);
  });

  it("two slaves answering one address → collision, corrupted reply", () => {
    const { faults, run, bus } = rig();
    faults.next("duplicate");
    const r = run();
    expect(r.ok).toBe(false);
    expect(bus.stats.collidedChars).toBeGreaterThan(0);
  });

  it("faults at a rate: the master's counters match what was injected", () => {
    const { faults, run, master } = rig(11);
    faults.setRates({ bitError: 0.1, noReply: 0.1, exception: 0.1, late: 0.05 });
    const n = 300;
    for (let i = 0; i < n; i++) run();
    const inj = faults.injected;
    expect(inj.bitError + inj.noReply + inj.exception + inj.late).toBeGreaterThan(40);
    expect(master.stats.crcErrors).toBe(inj.bitError);
    expect(master.stats.exceptions).toBe(inj.exception);
    expect(master.stats.timeouts).toBe(inj.noReply + inj.late);
    expect(master.stats.ok).toBe(n - faults.totalInjected);
  });

  it("the same seed injects the same faults", () => {
    const seq = (seed: number) => {
      const f = new FaultInjector({ seed, rates: { bitError: 0.2, truncate: 0.2, garbage: 0.2 } });
      return Array.from({ length: 50 }, () => f.decide()?.kind ?? "-");
    };
    expect(seq(9)).toEqual(seq(9));
    expect(seq(9)).not.toEqual(seq(10));
  });

  it("rejects unknown kinds and rates that do not add up", () => {
    expect(() => new FaultInjector({ rates: { lightning: 0.1 } as Partial<Record<FaultKind, number>> })).toThrow(/unknown fault kind/);
    expect(() => new FaultInjector({ rates: { bitError: 0.7, noReply: 0.6 } })).toThrow(/more than 1/);
    expect(FAULT_KINDS).toHaveLength(7);
  });
});

describe("faults on the line itself", () => {
  it("two slaves configured with the same address collide on every reply", () => {
    const clock = new VirtualClock({ start: 0 });
    const bus = new Rs485Bus(clock, { baud: 9600 });
    new RtuSlave(bus, new RegisterBank(1, { holding: [1, 2] }), { turnaroundMs: 10, name: "a" }).start();
    new RtuSlave(bus, new RegisterBank(1, { holding: [3, 4] }), { turnaroundMs: 10.5, name: "b" }).start();
    const master = new ProbeMaster(bus, { chunkMs: 5, timeoutMs: 100 });
    let r: ProbeResult | undefined;
    master.transact(encodeReadRequest(1, 3, 0, 2), (x) => (r = x));
    clock.advance(1000);
    expect(r?.ok).toBe(false);
    expect(bus.stats.collidedChars).toBeGreaterThanOrEqual(2 * 9 - 2);
  });

  it("random garbage bursts: the master's failures never exceed the bursts, and most polls still succeed", () => {
    const clock = new VirtualClock({ start: 0 });
    const bus = new Rs485Bus(clock, { baud: 9600, seed: 4 });
    new RtuSlave(bus, new RegisterBank(1, { holding: [1, 2, 3, 4, 5, 6, 7, 8] }), { turnaroundMs: 10 }).start();
    const master = new ProbeMaster(bus, { chunkMs: 5, timeoutMs: 100 });
    const noise = new LineNoise(bus, { ratePerSecond: 2, seed: 4 });
    noise.start();
    let ok = 0;
    for (let i = 0; i < 200; i++) {
      master.transact(encodeReadRequest(1, 3, 0, 8), (r) => (ok += r.ok ? 1 : 0));
      clock.advance(250);
    }
    noise.stop();
    const failed = 200 - ok;
    expect(noise.stats.bursts).toBeGreaterThan(50);
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThanOrEqual(noise.stats.bursts);
    expect(ok).toBeGreaterThan(100);
  });
});
