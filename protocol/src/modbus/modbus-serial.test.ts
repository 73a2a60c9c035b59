/**
 * Cross-check with an independent implementation, modbus-serial (8.x):
 * - its master (ModbusRTU) encodes requests that our decodeRequest decodes, and decodes the
 *   responses our slave-side encoders produce (it runs over an in-memory port: the port is
 *   only a byte pipe, all framing and parsing is modbus-serial's own code);
 * - its slave request handlers (the ones ServerTCP/ServerSerial use) decode the requests our
 *   encoders produce, and the responses they build are decoded by our decodeResponse;
 * - its CRC and ours agree on random bytes.
 */
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc16 } from "./crc";
import { ModbusRequest } from "./pdu";
import { decodeRequest, decodeResponse, encodeException, encodeRequest, encodeResponse } from "./rtu";

const require = createRequire(import.meta.url);
const ModbusRTU = require("modbus-serial");
const handlers = require("modbus-serial/servers/servertcp_handler");
const theirCrc16: (b: Buffer) => number = require("modbus-serial/utils/crc16");

/** A byte pipe standing in for the serial line: records what the master writes. */
class PipePort extends EventEmitter {
  written: Buffer[] = [];
  get isOpen(): boolean {
    return true;
  }
  open(cb?: (e: Error | null) => void): void {
    if (cb) cb(null);
  }
  close(cb?: (e: Error | null) => void): void {
    if (cb) cb(null);
  }
  write(data: Buffer): void {
    this.written.push(Buffer.from(data));
  }
}

interface ClientResult {
  data: (number | boolean)[];
  address: number;
  state: boolean;
  value: number;
  length: number;
}
interface ClientError {
  modbusCode?: number;
}
type ClientCb = (err: ClientError | null, res: ClientResult) => void;
/** The part of modbus-serial's ModbusRTU master used here. */
interface RtuClient {
  open(cb: (e: Error | null) => void): void;
  writeFC1(unit: number, a: number, n: number, cb: ClientCb): void;
  writeFC2(unit: number, a: number, n: number, cb: ClientCb): void;
  writeFC3(unit: number, a: number, n: number, cb: ClientCb): void;
  writeFC4(unit: number, a: number, n: number, cb: ClientCb): void;
  writeFC5(unit: number, a: number, on: boolean, cb: ClientCb): void;
  writeFC6(unit: number, a: number, v: number, cb: ClientCb): void;
  writeFC15(unit: number, a: number, bits: boolean[], cb: ClientCb): void;
  writeFC16(unit: number, a: number, v: number[], cb: ClientCb): void;
}

async function openClient(): Promise<{ client: RtuClient; port: PipePort }> {
  const port = new PipePort();
  const client = new ModbusRTU(port) as RtuClient;
  await new Promise<void>((res, rej) => client.open((e: Error | null) => (e ? rej(e) : res())));
  return { client, port };
}

// Arbitrary requests within the spec's limits.
const unitArb = fc.integer({ min: 1, max: 247 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const requestArb: fc.Arbitrary<ModbusRequest> = fc.oneof(
  fc.record({ unit: unitArb, fc: fc.constantFrom(1, 2), count: fc.integer({ min: 1, max: 2000 }) }).chain((r) =>
    fc.integer({ min: 0, max: 0x10000 - r.count }).map((address) => ({ unit: r.unit, fc: r.fc, address, count: r.count, values: [] as number[] })),
  ),
  fc.record({ unit: unitArb, fc: fc.constantFrom(3, 4), count: fc.integer({ min: 1, max: 125 }) }).chain((r) =>
    fc.integer({ min: 0, max: 0x10000 - r.count }).map((address) => ({ unit: r.unit, fc: r.fc, address, count: r.count, values: [] as number[] })),
  ),
  fc.record({ unit: unitArb, fc: fc.constant(5), address: u16, values: fc.tuple(fc.integer({ min: 0, max: 1 })) }).map((r) => ({ ...r, count: 1, values: [...r.values] })),
  fc.record({ unit: unitArb, fc: fc.constant(6), address: u16, values: fc.tuple(u16) }).map((r) => ({ ...r, count: 1, values: [...r.values] })),
  fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 1968 }).chain((values) =>
    fc.record({ unit: unitArb, address: fc.integer({ min: 0, max: 0x10000 - values.length }) }).map((r) => ({ unit: r.unit, fc: 15, address: r.address, count: values.length, values })),
  ),
  fc.array(u16, { minLength: 1, maxLength: 123 }).chain((values) =>
    fc.record({ unit: unitArb, address: fc.integer({ min: 0, max: 0x10000 - values.length }) }).map((r) => ({ unit: r.unit, fc: 16, address: r.address, count: values.length, values })),
  ),
);

/** Values a slave returns for a read request (deterministic from the address). */
function readData(req: ModbusRequest, seed: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < req.count; i++) {
    const x = (Math.imul(req.address + i + 1, 2654435761) ^ seed) >>> 0;
    out.push(req.fc <= 2 ? x & 1 : x & 0xffff);
  }
  return out;
}

/** Drives modbus-serial's master for `req`; resolves with its callback's (err, data). */
function clientCall(client: RtuClient, req: ModbusRequest): Promise<{ err: ClientError | null; res: ClientResult }> {
  return new Promise((resolve) => {
    const cb: ClientCb = (err, res) => resolve({ err, res });
    const a = req.address;
    switch (req.fc) {
      case 1: return client.writeFC1(req.unit, a, req.count, cb);
      case 2: return client.writeFC2(req.unit, a, req.count, cb);
      case 3: return client.writeFC3(req.unit, a, req.count, cb);
      case 4: return client.writeFC4(req.unit, a, req.count, cb);
      case 5: return client.writeFC5(req.unit, a, req.values[0] === 1, cb);
      case 6: return client.writeFC6(req.unit, a, req.values[0], cb);
      case 15: return client.writeFC15(req.unit, a, req.values.map((v) => v === 1), cb);
      case 16: return client.writeFC16(req.unit, a, req.values, cb);
    }
  });
}

describe("modbus-serial master <-> our slave side", () => {
  it("we decode every request modbus-serial encodes, and it decodes our responses", async () => {
    const { client, port } = await openClient();
    await fc.assert(
      fc.asyncProperty(requestArb, fc.integer(), async (req, seed) => {
        port.written = [];
        const call = clientCall(client, req);
        expect(port.written.length).toBe(1);
        const d = decodeRequest(new Uint8Array(port.written[0]));
        if (!d.ok) throw new Error(d.kind + " " + d.message);
        expect(d.request).toEqual(req);
        const data = readData(req, seed);
        port.emit("data", Buffer.from(encodeResponse(d.request, data)));
        const { err, res } = await call;
        expect(err).toBeFalsy();
        if (req.fc <= 2) expect(res.data.slice(0, req.count).map((b) => (b ? 1 : 0))).toEqual(data);
        else if (req.fc <= 4) expect(res.data).toEqual(data);
        else if (req.fc === 5) expect([res.address, res.state]).toEqual([req.address, req.values[0] === 1]);
        else if (req.fc === 6) expect([res.address, res.value]).toEqual([req.address, req.values[0]]);
        else expect([res.address, res.length]).toEqual([req.address, req.count]);
      }),
      { numRuns: 300 },
    );
  });

  it("modbus-serial reports our exception responses with their code", async () => {
    const { client, port } = await openClient();
    await fc.assert(
      fc.asyncProperty(requestArb, fc.integer({ min: 1, max: 11 }), async (req, code) => {
        port.written = [];
        const call = clientCall(client, req);
        port.emit("data", Buffer.from(encodeException(req.unit, req.fc, code)));
        const { err } = await call;
        expect(err && err.modbusCode).toBe(code);
      }),
      { numRuns: 100 },
    );
  });
});

/** modbus-serial's slave handler for a request; resolves with the full RTU response it builds. */
function serverHandle(frame: Uint8Array, vector: object, unit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const buf = Buffer.from(frame);
    const f = buf[1];
    // Same completion as modbus-serial's ServerSerial/ServerTCP _callbackFactory: unit, fc, CRC.
    const cb = (err: unknown, response: Buffer) => {
      if (err) return reject(err);
      response.writeUInt8(unit, 0);
      response.writeUInt8(f, 1);
      response.writeUInt16LE(theirCrc16(response.subarray(0, -2)), response.length - 2);
      resolve(response);
    };
    if (f === 1 || f === 2) handlers.readCoilsOrInputDiscretes(buf, vector, unit, cb, f);
    else if (f === 3) handlers.readMultipleRegisters(buf, vector, unit, cb);
    else if (f === 4) handlers.readInputRegisters(buf, vector, unit, cb);
    else if (f === 5) handlers.writeCoil(buf, vector, unit, cb);
    else if (f === 6) handlers.writeSingleRegister(buf, vector, unit, cb);
    else if (f === 15) handlers.forceMultipleCoils(buf, vector, unit, cb);
    else if (f === 16) handlers.writeMultipleRegisters(buf, vector, unit, cb);
  });
}

describe("our master <-> modbus-serial slave handlers", () => {
  it("modbus-serial decodes every request we encode, and we decode its responses", async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, fc.integer(), async (req, seed) => {
        const seen: { addr: number; v: number }[] = [];
        const bit = (addr: number) => (Math.imul(addr + 1, 2654435761) ^ seed) & 1;
        const reg = (addr: number) => ((Math.imul(addr + 1, 2654435761) ^ seed) >>> 0) & 0xffff;
        const vector = {
          getCoil: (addr: number) => bit(addr) === 1,
          getDiscreteInput: (addr: number) => bit(addr) === 1,
          getHoldingRegister: (addr: number) => reg(addr),
          getInputRegister: (addr: number) => reg(addr),
          setCoil: (addr: number, v: boolean) => void seen.push({ addr, v: v ? 1 : 0 }),
          setRegister: (addr: number, v: number) => void seen.push({ addr, v }),
        };
        const request = encodeRequest(req);
        // Their CRC check (ServerSerial's _parseModbusBuffer) on our frame.
        expect(theirCrc16(Buffer.from(request.subarray(0, -2)))).toBe(request[request.length - 2] | (request[request.length - 1] << 8));
        const response = await serverHandle(request, vector, req.unit);
        const r = decodeResponse(request, new Uint8Array(response));
        if (!r.ok) throw new Error(r.kind + " " + r.message);
        if (req.fc <= 4) {
          const want: number[] = [];
          for (let i = 0; i < req.count; i++) want.push(req.fc <= 2 ? bit(req.address + i) : reg(req.address + i));
          expect(r.values).toEqual(want);
        } else {
          expect(seen).toEqual(req.values.map((v, i) => ({ addr: req.address + i, v })));
          expect([r.address, r.count]).toEqual([req.address, req.count]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("our CRC equals modbus-serial's on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        expect(crc16(bytes)).toBe(theirCrc16(Buffer.from(bytes)));
      }),
      { numRuns: 1000 },
    );
  });
});
