import { describe, expect, it } from "vitest";
import { encodeReadRequest } from "@manure-edge/protocol";
import { DEFAULT_MASTER, DeviceLink, ModbusMaster, type TxResult } from "./master";
import { BusSlave } from "../../test/bus-slave";
import { busRig } from "../../test/bus-master";

function setup(opts = {}) {
  const rig = busRig();
  const m = new ModbusMaster(rig.uart, rig.de, rig.clock, { ...DEFAULT_MASTER, ...opts });
  m.start();
  return { ...rig, m };
}

function read(m: ModbusMaster, dev: DeviceLink, address: number, count: number, out: TxResult[]) {
  m.request(dev, encodeReadRequest(dev.unit, 3, address, count), (r) => out.push(r));
}

describe("ModbusMaster on a byte-level RS485 bus", () => {
  it("reads registers; DE is high before the first byte and drops only after the last one left", () => {
    const { clock, bus, trx, m, deLog } = setup();
    const s = new BusSlave(bus, clock, 1, (a, n) => Array.from({ length: n }, (_, i) => 1000 + a + i));
    const dev = new DeviceLink("lvl", 1);
    const out: TxResult[] = [];
    read(m, dev, 10, 3, out);
    clock.advance(1000);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ ok: true, values: [1010, 1011, 1012] });
    expect(s.requests).toBe(1);
    expect(trx.stats.txLostDeLow).toBe(0);
    expect(trx.stats.txCut).toBe(0);
    expect(trx.stats.rxLostDeHigh).toBe(0);
    const hi = deLog.filter((d) => d.high);
    const lo = deLog.filter((d) => !d.high);
    expect(hi.length).toBeGreaterThanOrEqual(1);
    // When DE went low the transmitter had nothing left.
    expect(lo[lo.length - 1].txPending).toBe(0);
    expect(dev.ok).toBe(1);
  });

  it("a dead slave is retried, marked offline, then only probed; the live slave never waits on it", () => {
    const { clock, bus, m } = setup({ timeout: 100, retries: 2, offlineAfter: 3, probeEvery: 30000 });
    new BusSlave(bus, clock, 1, (_a, n) => new Array(n).fill(7));
    const dead = new BusSlave(bus, clock, 2, (_a, n) => new Array(n).fill(9));
    dead.fault = "silent";
    const g = new DeviceLink("good", 1);
    const d = new DeviceLink("dead", 2);
    const okTimes: number[] = [];
    const deadOut: TxResult[] = [];
    const t0 = clock.now();
    // Poll both every second for two minutes.
    const poll = () => {
      const start = clock.now();
      m.request(g, encodeReadRequest(1, 3, 0, 2), (r) => { if (r.ok) okTimes.push(clock.now() - start); });
      read(m, d, 0, 2, deadOut);
    };
    clock.setInterval(poll, 1000);
    clock.advance(120000);
    expect(g.ok).toBeGreaterThanOrEqual(119); // the poll at t = 120 s is still on the wire
    expect(g.errors()).toBe(0);
    expect(d.offline).toBe(true);
    expect(deadOut.filter((r) => !r.ok && r.kind === "offline").length).toBeGreaterThan(100);
    // Requests that reached the dead slave: 3 transactions x 3 attempts, then ~1 probe per 30 s.
    expect(dead.requests).toBeLessThanOrEqual(9 + 5);
    expect(d.timeout).toBe(dead.requests);
    // After the dead one went offline the good one is answered within one transaction time.
    const late = okTimes.slice(10);
    expect(Math.max(...late)).toBeLessThan(100);
    expect(clock.now() - t0).toBe(120000);
    // Back to life: the next probe brings it online.
    dead.fault = "none";
    clock.advance(31000);
    expect(d.offline).toBe(false);
    expect(d.ok).toBeGreaterThan(0);
  });

  it("counts CRC errors and retries; counts exceptions without retrying; retries a busy slave", () => {
    const { clock, bus, m } = setup({ retries: 2 });
    const s = new BusSlave(bus, clock, 5, (_a, n) => new Array(n).fill(1));
    const dev = new DeviceLink("x", 5);
    const out: TxResult[] = [];
    s.fault = "badcrc";
    read(m, dev, 0, 1, out);
    clock.advance(2000);
    expect(out[0]).toMatchObject({ ok: false, kind: "crc" });
    expect(dev.crc).toBe(3);
    expect(s.requests).toBe(3);
    s.fault = "exception";
    read(m, dev, 0, 1, out);
    clock.advance(2000);
    expect(out[1]).toMatchObject({ ok: false, kind: "exception", code: 2 });
    expect(s.requests).toBe(4);
    expect(dev.consecutive).toBe(0);
    s.fault = "busy";
    read(m, dev, 0, 1, out);
    clock.advance(2000);
    expect(out[2]).toMatchObject({ ok: false, kind: "exception", code: 6 });
    expect(s.requests).toBe(7);
  });

  it("finds its frame behind garbage, times out a truncated reply, and drops stray bytes before a request", () => {
    const { clock, bus, m, trx } = setup({ retries: 0 });
    const s = new BusSlave(bus, clock, 3, (_a, n) => new Array(n).fill(42));
    const dev = new DeviceLink("y", 3);
    const out: TxResult[] = [];
    s.fault = "garbage-before";
    read(m, dev, 0, 2, out);
    clock.advance(1000);
    expect(out[0]).toMatchObject({ ok: true, values: [42, 42] });
    s.fault = "truncated";
    read(m, dev, 0, 2, out);
    clock.advance(1000);
    expect(out[1]).toMatchObject({ ok: false, kind: "timeout" });
    // Stray bytes from another talker arrive while the master is idle.
    const other = bus.attach("noise", {});
    other.setDE(true);
    other.write(Uint8Array.from([3, 3, 4, 0, 42, 0, 42]));
    other.whenTxIdle(() => other.setDE(false));
    clock.advance(100);
    const dropped = m.droppedBytes();
    s.fault = "none";
    read(m, dev, 0, 2, out);
    clock.advance(1000);
    expect(out[2]).toMatchObject({ ok: true, values: [42, 42] });
    expect(m.droppedBytes()).toBeGreaterThanOrEqual(dropped);
    expect(trx.stats.rxBytes).toBeGreaterThan(0);
  });
});
