import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ModbusRTU from "modbus-serial";
import { RegisterBank } from "../slaves/register-space";
import { unitsOf } from "../slaves/respond";
import { ModbusTcpServer } from "./modbus-tcp";

const a = new RegisterBank(1, { holding: [10, 20, 30], coil: [0, 0] });
const b = new RegisterBank(2, { input: [7, 8] });
let server: ModbusTcpServer;
let port: number;

beforeAll(async () => {
  server = new ModbusTcpServer(unitsOf([a, b]));
  port = (await server.start()).port;
});
afterAll(async () => {
  await server.stop();
});

async function client(unit: number) {
  const c = new ModbusRTU();
  await c.connectTCP("127.0.0.1", { port });
  c.setTimeout(2000);
  c.setID(unit);
  return c;
}
const close = (c: ModbusRTU) => new Promise<void>((r) => c.close(() => r()));

describe("ModbusTcpServer", () => {
  it("serves each unit its own tables, reads and writes", async () => {
    const c = await client(1);
    expect((await c.readHoldingRegisters(0, 3)).data).toEqual([10, 20, 30]);
    await c.writeRegisters(1, [21, 31]);
    await c.writeCoil(1, true);
    expect(a.tables.holding).toEqual([10, 21, 31]);
    expect(a.tables.coil).toEqual([0, 1]);
    c.setID(2);
    expect((await c.readInputRegisters(0, 2)).data).toEqual([7, 8]);
    await close(c);
  });

  it("answers exceptions: 01 for a table the device lacks, 02 past its end, 0B for a unit without power", async () => {
    const c = await client(2);
    await expect(c.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 1 });
    await expect(c.readInputRegisters(1, 5)).rejects.toMatchObject({ modbusCode: 2 });
    b.powered = false;
    await expect(c.readInputRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 11 });
    b.powered = true;
    c.setID(9);
    await expect(c.readInputRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 11 });
    await close(c);
  });

  it("closes a connection that sends a malformed MBAP header, and keeps serving others", async () => {
    const before = server.stats.badHeaders;
    await new Promise<void>((resolve) => {
      const s = connect(port, "127.0.0.1", () => s.write(Buffer.from([0, 1, 0, 7, 0, 6, 1, 3, 0, 0, 0, 1])));
      s.on("close", () => resolve());
      s.on("error", () => undefined);
    });
    expect(server.stats.badHeaders).toBe(before + 1);
    const c = await client(1);
    expect((await c.readHoldingRegisters(0, 1)).data).toEqual([10]);
    await close(c);
  });
});
