import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import ModbusRTU from "modbus-serial";
import pt100 from "@manure-edge/protocol/maps/pt100-8ch.json";
import { VirtualClock } from "../clock/virtual-clock";
import { systemClock } from "../clock/system";
import { SimSlave } from "../slaves/sim-slave";
import { ServeSession } from "./session";
import { tempDir } from "../../../test/support/tmp";

const tmp = tempDir("serve-");
afterAll(() => tmp.cleanup());

describe("ServeSession", () => {
  it("serves the same slaves over TCP and a pty; values follow a clock running accelerated", async () => {
    const clock = new VirtualClock({ start: Date.UTC(2026, 0, 1), mode: { kind: "accelerated", factor: 3600 } });
    const t0 = clock.now();
    // A pile warming by 1 °C per virtual hour.
    const slave = new SimSlave(2, pt100, () => 20 + (clock.now() - t0) / 3_600_000, { clock });
    const session = new ServeSession([slave], { tcp: { host: "127.0.0.1", port: 0 }, pty: join(tmp.dir, "tty0"), wall: systemClock });
    const ep = await session.start();
    // Keep virtual time moving while the test polls (a timer keeps the accelerated run busy).
    clock.setInterval(() => undefined, 1000);
    const running = clock.runUntil(Infinity);
    try {
      const tcp = new ModbusRTU();
      await tcp.connectTCP("127.0.0.1", { port: ep.tcp!.port });
      tcp.setTimeout(3000);
      tcp.setID(2);
      const rtu = new ModbusRTU();
      await rtu.connectRTUBuffered(ep.pty!, { baudRate: 9600 });
      rtu.setTimeout(3000);
      rtu.setID(2);
      const first = (await tcp.readHoldingRegisters(0, 1)).data[0] / 10;
      let later = first;
      const deadline = Date.now() + 20_000;
      while (later < first + 0.5 && Date.now() < deadline) later = (await rtu.readHoldingRegisters(0, 1)).data[0] / 10;
      expect(first).toBeGreaterThanOrEqual(20);
      expect(later).toBeGreaterThanOrEqual(first + 0.5);
      // Both transports read what the source says at the clock's time (±0.2 °C of drift while the request runs).
      const expected = 20 + (clock.now() - t0) / 3_600_000;
      expect(Math.abs((await tcp.readHoldingRegisters(0, 1)).data[0] / 10 - expected)).toBeLessThan(0.3);
      await new Promise<void>((r) => tcp.close(() => r()));
      await new Promise<void>((r) => rtu.close(() => r()));
      expect(session.stats.tcp!.replies).toBeGreaterThanOrEqual(2);
      expect(session.stats.pty!.replies).toBeGreaterThanOrEqual(1);
    } finally {
      clock.stop();
      await running;
      await session.stop();
    }
  });

  it("refuses two devices with one address, and no endpoint at all", () => {
    const clock = new VirtualClock();
    const a = new SimSlave(1, pt100, () => 1, { clock });
    const b = new SimSlave(1, pt100, () => 1, { clock });
    expect(() => new ServeSession([a, b], { tcp: { host: "127.0.0.1", port: 0 }, wall: systemClock })).toThrow(/unit address 1/);
    expect(() => new ServeSession([a], { wall: systemClock })).toThrow(/--tcp/);
  });
});
