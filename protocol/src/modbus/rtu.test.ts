import { describe, expect, it } from "vitest";
import { putCrc } from "./crc";
import { fromHex, toHex } from "./hex";
import { exceptionName, ModbusError, ModbusResponse } from "./pdu";
import {
  decodeRequest,
  decodeResponse,
  encodeException,
  encodeReadRequest,
  encodeResponse,
  encodeWriteMultipleCoils,
  encodeWriteMultipleRegisters,
  encodeWriteSingleCoil,
  encodeWriteSingleRegister,
  expectedResponseLength,
  requestFrameLength,
} from "./rtu";

/** RTU frame = unit + PDU from the spec + CRC computed by crc16 (checked separately). */
function rtu(unit: number, pduHex: string): Uint8Array {
  const pdu = fromHex(pduHex);
  const f = new Uint8Array(pdu.length + 3);
  f[0] = unit;
  f.set(pdu, 1);
  return putCrc(f);
}

function ok(r: ModbusResponse | ModbusError): ModbusResponse {
  if (!r.ok) throw new Error("expected ok, got " + r.kind + ": " + r.message);
  return r;
}
function err(r: ModbusResponse | ModbusError): ModbusError {
  if (r.ok) throw new Error("expected an error");
  return r;
}

// Request/response PDU examples of Modbus Application Protocol V1.1b3 §6.1–6.12.
const U = 0x11;
describe("golden vectors, Application Protocol V1.1b3 §6", () => {
  it("§6.1 Read Coils 20-38", () => {
    const req = encodeReadRequest(U, 1, 0x13, 0x13);
    expect(toHex(req)).toBe(toHex(rtu(U, "01 00 13 00 13")));
    expect(expectedResponseLength(req)).toBe(8);
    const r = ok(decodeResponse(req, rtu(U, "01 03 CD 6B 05")));
    // Coils 27-20 = CD, 35-28 = 6B, 38-36 = 05: LSB first.
    expect(r.values.join("")).toBe("1011001111010110101");
    expect(toHex(encodeResponse({ unit: U, fc: 1, address: 0x13, count: 19, values: [] }, r.values))).toBe(toHex(rtu(U, "01 03 CD 6B 05")));
  });

  it("§6.2 Read Discrete Inputs 197-218", () => {
    const req = encodeReadRequest(U, 2, 0xc4, 0x16);
    expect(toHex(req)).toBe(toHex(rtu(U, "02 00 C4 00 16")));
    const r = ok(decodeResponse(req, rtu(U, "02 03 AC DB 35")));
    expect(r.values.length).toBe(22);
    expect(r.values.slice(0, 8).join("")).toBe("00110101"); // 0xAC LSB first
    expect(r.values.slice(16).join("")).toBe("101011"); // 0x35, 6 bits used
  });

  it("§6.3 Read Holding Registers 108-110", () => {
    const req = encodeReadRequest(U, 3, 0x6b, 3);
    expect(toHex(req)).toBe("11 03 00 6B 00 03 76 87");
    expect(expectedResponseLength(req)).toBe(11);
    const r = ok(decodeResponse(req, rtu(U, "03 06 02 2B 00 00 00 64")));
    expect(r.values).toEqual([555, 0, 100]);
  });

  it("§6.4 Read Input Register 9", () => {
    const req = encodeReadRequest(U, 4, 8, 1);
    expect(toHex(req)).toBe(toHex(rtu(U, "04 00 08 00 01")));
    expect(ok(decodeResponse(req, rtu(U, "04 02 00 0A"))).values).toEqual([10]);
  });

  it("§6.5 Write Single Coil 173 ON", () => {
    const req = encodeWriteSingleCoil(U, 0xac, true);
    expect(toHex(req)).toBe(toHex(rtu(U, "05 00 AC FF 00")));
    const r = ok(decodeResponse(req, rtu(U, "05 00 AC FF 00")));
    expect(r.values).toEqual([1]);
    expect(toHex(encodeWriteSingleCoil(U, 0xac, false))).toBe(toHex(rtu(U, "05 00 AC 00 00")));
  });

  it("§6.6 Write Single Register 2 = 3", () => {
    const req = encodeWriteSingleRegister(U, 1, 3);
    expect(toHex(req)).toBe(toHex(rtu(U, "06 00 01 00 03")));
    expect(ok(decodeResponse(req, rtu(U, "06 00 01 00 03"))).values).toEqual([3]);
  });

  it("§6.11 Write Multiple Coils 20-29", () => {
    const bits = [1, 0, 1, 1, 0, 0, 1, 1, 1, 0]; // CD 01
    const req = encodeWriteMultipleCoils(U, 0x13, bits);
    expect(toHex(req)).toBe(toHex(rtu(U, "0F 00 13 00 0A 02 CD 01")));
    expect(requestFrameLength(req)).toBe(req.length);
    const r = ok(decodeResponse(req, rtu(U, "0F 00 13 00 0A")));
    expect(r.count).toBe(10);
  });

  it("§6.12 Write Multiple Registers 2-3 = 000A 0102", () => {
    const req = encodeWriteMultipleRegisters(U, 1, [0x000a, 0x0102]);
    expect(toHex(req)).toBe(toHex(rtu(U, "10 00 01 00 02 04 00 0A 01 02")));
    const d = decodeRequest(req);
    expect(d.ok && d.request).toEqual({ unit: U, fc: 16, address: 1, count: 2, values: [10, 258] });
    expect(ok(decodeResponse(req, rtu(U, "10 00 01 00 02"))).count).toBe(2);
  });

  it("§7 exception example: Read Coils 1186 -> 81 02 ILLEGAL DATA ADDRESS", () => {
    const req = encodeReadRequest(0x0a, 1, 0x04a1, 1);
    const e = err(decodeResponse(req, rtu(0x0a, "81 02")));
    expect(e.kind).toBe("exception");
    expect(e.code).toBe(2);
    expect(e.name).toBe("ILLEGAL DATA ADDRESS");
    expect(toHex(encodeException(0x0a, 1, 2))).toBe(toHex(rtu(0x0a, "81 02")));
  });
});

describe("decodeResponse refuses what does not answer the request", () => {
  const req = encodeReadRequest(1, 3, 0, 2);
  const good = rtu(1, "03 04 00 01 00 02");
  it("accepts the good one", () => expect(ok(decodeResponse(req, good)).values).toEqual([1, 2]));
  it("bad CRC", () => {
    const b = good.slice();
    b[4] ^= 1;
    expect(err(decodeResponse(req, b)).kind).toBe("crc");
  });
  it("other slave", () => expect(err(decodeResponse(req, rtu(2, "03 04 00 01 00 02"))).kind).toBe("address"));
  it("other function", () => expect(err(decodeResponse(req, rtu(1, "04 04 00 01 00 02"))).kind).toBe("function"));
  it("short reply", () => expect(err(decodeResponse(req, rtu(1, "03 02 00 01"))).kind).toBe("length"));
  it("too short to be anything", () => expect(err(decodeResponse(req, fromHex("01 03"))).kind).toBe("length"));
  it("byte count lies", () => expect(err(decodeResponse(req, rtu(1, "03 05 00 01 00 02"))).kind).toBe("bytecount"));
  it("write echo differs", () => {
    const w = encodeWriteSingleRegister(1, 5, 7);
    expect(err(decodeResponse(w, rtu(1, "06 00 05 00 08"))).kind).toBe("echo");
  });
  it("names every exception 01..0B", () => {
    const names: string[] = [];
    for (let c = 1; c <= 11; c++) {
      const e = err(decodeResponse(req, rtu(1, "83 " + (c < 16 ? "0" : "") + c.toString(16))));
      expect(e.code).toBe(c);
      names.push(e.name);
    }
    expect(names).toEqual([
      "ILLEGAL FUNCTION",
      "ILLEGAL DATA ADDRESS",
      "ILLEGAL DATA VALUE",
      "SERVER DEVICE FAILURE",
      "ACKNOWLEDGE",
      "SERVER DEVICE BUSY",
      "NEGATIVE ACKNOWLEDGE",
      "MEMORY PARITY ERROR",
      "EXCEPTION 0x09",
      "GATEWAY PATH UNAVAILABLE",
      "GATEWAY TARGET DEVICE FAILED TO RESPOND",
    ]);
    expect(exceptionName(0x42)).toBe("EXCEPTION 0x42");
  });
});

describe("encoders refuse requests the spec forbids", () => {
  it("quantities and addresses", () => {
    expect(() => encodeReadRequest(1, 3, 0, 126)).toThrow(/quantity 126/);
    expect(() => encodeReadRequest(1, 3, 0, 0)).toThrow(/quantity 0/);
    expect(() => encodeReadRequest(1, 1, 0, 2001)).toThrow(/quantity/);
    expect(() => encodeReadRequest(1, 3, 65535, 2)).toThrow(/exceeds 65536/);
    expect(() => encodeReadRequest(248, 3, 0, 1)).toThrow(/unit 248/);
    expect(() => encodeReadRequest(0, 3, 0, 1)).toThrow(/broadcast/);
    expect(() => encodeReadRequest(1, 7, 0, 1)).toThrow(/not a read/);
    expect(() => encodeWriteSingleRegister(1, 0, 65536)).toThrow(/65535/);
    expect(() => encodeWriteMultipleRegisters(1, 0, new Array(124).fill(0))).toThrow(/quantity 124/);
    expect(() => encodeWriteMultipleCoils(1, 0, [])).toThrow(/quantity 0/);
    expect(encodeReadRequest(1, 3, 65535, 1).length).toBe(8);
  });
  it("broadcast writes expect no reply", () => {
    expect(expectedResponseLength(encodeWriteSingleRegister(0, 1, 1))).toBe(0);
  });
});

describe("decodeRequest (slave side)", () => {
  it("ignores bad CRC, answers exceptions for bad requests", () => {
    const r = encodeReadRequest(1, 3, 0, 1);
    r[3] ^= 0xff;
    const e1 = decodeRequest(r);
    expect(!e1.ok && e1.kind).toBe("crc");
    const e2 = decodeRequest(rtu(1, "2B 0E 01 00"));
    expect(!e2.ok && [e2.kind, e2.code]).toEqual(["request", 1]);
    const e3 = decodeRequest(rtu(1, "03 00 00 00 7E"));
    expect(!e3.ok && [e3.kind, e3.code]).toEqual(["request", 3]);
    const e4 = decodeRequest(rtu(1, "05 00 01 12 34"));
    expect(!e4.ok && e4.code).toBe(3);
    const e5 = decodeRequest(rtu(1, "03 FF FF 00 02"));
    expect(!e5.ok && e5.code).toBe(2);
    const e6 = decodeRequest(rtu(1, "0F 00 00 00 0A 01 FF"));
    expect(!e6.ok && e6.code).toBe(3);
    const e7 = decodeRequest(rtu(1, "03 00 00 00 01 00"));
    expect(!e7.ok && e7.kind).toBe("length");
  });
  it("frames requests by their header", () => {
    expect(requestFrameLength(fromHex("01"))).toBe(-1);
    expect(requestFrameLength(fromHex("01 03"))).toBe(8);
    expect(requestFrameLength(fromHex("01 10 00 00 00"))).toBe(-1);
    expect(requestFrameLength(fromHex("01 10 00 00 00 02 04"))).toBe(13);
    expect(requestFrameLength(fromHex("01 2B"))).toBe(0);
  });
});
