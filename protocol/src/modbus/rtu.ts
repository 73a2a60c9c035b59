/**
 * Modbus RTU frames: [unit][PDU][CRC lo][CRC hi] (Modbus over Serial Line V1.02 §2.5.1).
 *
 * Master side (the node): request encoders for FC 01, 02, 03, 04, 05, 06, 15, 16,
 * expectedResponseLength() and decodeResponse(). Slave side (the simulator): decodeRequest(),
 * requestFrameLength() and the response and exception encoders.
 *
 * Requests are identified by their encoded bytes, so the node keeps nothing but the frame it
 * sent. PDU layouts cite Modbus Application Protocol V1.1b3 §6.x.
 */
import { checkCrc, putCrc } from "./crc";
import {
  bitBytes,
  COIL_OFF,
  COIL_ON,
  EXCEPTION,
  isSupportedFunction,
  MAX_READ_BITS,
  MAX_READ_REGISTERS,
  MAX_WRITE_BITS,
  MAX_WRITE_REGISTERS,
  ModbusError,
  modbusError,
  ModbusRequest,
  ModbusResponse,
} from "./pdu";

/** Exception responses are always 5 bytes: unit, fc | 0x80, code, CRC (§7, Serial Line §2.5.1). */
export const EXCEPTION_FRAME_LENGTH = 5;
/** Largest RTU frame: 256 bytes (Serial Line §2.5.1). */
export const MAX_RTU_FRAME = 256;

function isU16(v: unknown): boolean {
  return typeof v === "number" && v >= 0 && v <= 0xffff && Math.floor(v) === v;
}

function fail(msg: string): never {
  throw new Error("modbus: " + msg);
}

function checkUnit(unit: number): void {
  // 0 = broadcast, 1..247 = slaves, 248..255 reserved (Serial Line §2.2).
  if (!(typeof unit === "number" && unit >= 0 && unit <= 247 && Math.floor(unit) === unit)) fail("unit " + unit + " outside 0..247");
}

function checkSpan(address: number, count: number, max: number): void {
  if (!isU16(address)) fail("address " + address + " outside 0..65535");
  if (!(isU16(count) && count >= 1 && count <= max)) fail("quantity " + count + " outside 1.." + max);
  if (address + count > 0x10000) fail("address " + address + " + quantity " + count + " exceeds 65536");
}

function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

function put16(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >> 8) & 0xff;
  b[i + 1] = v & 0xff;
}

/** unit, fc, two u16 fields, CRC: the 8-byte shape of FC 01..06 requests and FC 05/06/15/16 responses. */
function frame8(unit: number, fc: number, a: number, b: number): Uint8Array {
  const f = new Uint8Array(8);
  f[0] = unit;
  f[1] = fc;
  put16(f, 2, a);
  put16(f, 4, b);
  return putCrc(f);
}

function maxReadFor(fc: number): number {
  return fc === 1 || fc === 2 ? MAX_READ_BITS : MAX_READ_REGISTERS;
}

// ---------------------------------------------------------------------------------------
// Master: requests

/** FC 01/02/03/04 request (§6.1–6.4): address and quantity. */
export function encodeReadRequest(unit: number, fc: number, address: number, count: number): Uint8Array {
  checkUnit(unit);
  if (fc < 1 || fc > 4) fail("function " + fc + " is not a read (01..04)");
  if (unit === 0) fail("reads cannot be broadcast");
  checkSpan(address, count, maxReadFor(fc));
  return readRequestFrame(unit, fc, address, count);
}

/**
 * The FC 01–04 request frame without encodeReadRequest's argument checks, for a caller whose
 * requests are valid by construction: the sensor node, whose reads come from planReads over
 * register maps validated at build time (its bundle then carries no checks it cannot fail).
 */
export function readRequestFrame(unit: number, fc: number, address: number, count: number): Uint8Array {
  return frame8(unit, fc, address, count);
}

/** FC 05 request (§6.5): ON is sent as 0xFF00, OFF as 0x0000. */
export function encodeWriteSingleCoil(unit: number, address: number, on: boolean | number): Uint8Array {
  checkUnit(unit);
  checkSpan(address, 1, 1);
  return frame8(unit, 5, address, on ? COIL_ON : COIL_OFF);
}

/** FC 06 request (§6.6). */
export function encodeWriteSingleRegister(unit: number, address: number, value: number): Uint8Array {
  checkUnit(unit);
  checkSpan(address, 1, 1);
  if (!isU16(value)) fail("register value " + value + " outside 0..65535");
  return frame8(unit, 6, address, value);
}

/** FC 15 request (§6.11): bits packed LSB first, the first coil in bit 0 of the first byte. */
export function encodeWriteMultipleCoils(unit: number, address: number, bits: ArrayLike<number | boolean>): Uint8Array {
  checkUnit(unit);
  const n = bits.length;
  checkSpan(address, n, MAX_WRITE_BITS);
  const nb = bitBytes(n);
  const f = new Uint8Array(9 + nb);
  f[0] = unit;
  f[1] = 15;
  put16(f, 2, address);
  put16(f, 4, n);
  f[6] = nb;
  for (let i = 0; i < n; i++) if (bits[i]) f[7 + (i >> 3)] |= 1 << (i & 7);
  return putCrc(f);
}

/** FC 16 request (§6.12): registers big-endian. */
export function encodeWriteMultipleRegisters(unit: number, address: number, values: ArrayLike<number>): Uint8Array {
  checkUnit(unit);
  const n = values.length;
  checkSpan(address, n, MAX_WRITE_REGISTERS);
  const f = new Uint8Array(9 + 2 * n);
  f[0] = unit;
  f[1] = 16;
  put16(f, 2, address);
  put16(f, 4, n);
  f[6] = 2 * n;
  for (let i = 0; i < n; i++) {
    if (!isU16(values[i])) fail("register value [" + i + "] " + values[i] + " outside 0..65535");
    put16(f, 7 + 2 * i, values[i]);
  }
  return putCrc(f);
}

/** Any supported request from its plain-object form. */
export function encodeRequest(req: ModbusRequest): Uint8Array {
  const fc = req.fc;
  if (fc >= 1 && fc <= 4) return encodeReadRequest(req.unit, fc, req.address, req.count);
  if (fc === 5) return encodeWriteSingleCoil(req.unit, req.address, req.values[0]);
  if (fc === 6) return encodeWriteSingleRegister(req.unit, req.address, req.values[0]);
  if (fc === 15) return encodeWriteMultipleCoils(req.unit, req.address, req.values);
  if (fc === 16) return encodeWriteMultipleRegisters(req.unit, req.address, req.values);
  return fail("function " + fc + " not supported");
}

/**
 * Length of the normal response to `request` (an encoded request frame), CRC included:
 * FC 01/02: 5 + ceil(quantity / 8); FC 03/04: 5 + 2 × quantity; FC 05/06/15/16: 8.
 * 0 for a broadcast (no reply, Serial Line §2.1); -1 for an unsupported function.
 * An exception response is EXCEPTION_FRAME_LENGTH (5) bytes instead.
 */
export function expectedResponseLength(request: Uint8Array): number {
  if (request[0] === 0) return 0;
  const fc = request[1];
  if (fc === 1 || fc === 2) return 5 + bitBytes(u16(request, 4));
  if (fc === 3 || fc === 4) return 5 + 2 * u16(request, 4);
  if (fc === 5 || fc === 6 || fc === 15 || fc === 16) return 8;
  return -1;
}

/**
 * Checks and decodes the response `frame` (its first `length` bytes, default all) to
 * `request`. Checked in this order: length, CRC, slave address, exception (fc | 0x80, §7),
 * function code, length for this request, byte count (reads) or echo (writes).
 */
export function decodeResponse(request: Uint8Array, frame: Uint8Array, length?: number): ModbusResponse | ModbusError {
  const fc = request[1];
  if (fc >= 1 && fc <= 4) return decodeReadResponse(request, frame, length);
  const n = length === undefined ? frame.length : length;
  const head = checkHead(request, frame, n);
  if (head) return head;
  const want = expectedResponseLength(request);
  if (n !== want) return modbusError("length", 0, "response of " + n + " bytes, expected " + want);
  const address = u16(request, 2);
  for (let i = 2; i < 6; i++) {
    if (frame[i] !== request[i]) return modbusError("echo", 0, "response does not echo the request's address and value/quantity");
  }
  if (fc === 5) return { ok: true, unit: frame[0], fc: fc, address: address, count: 1, values: [u16(frame, 4) === COIL_ON ? 1 : 0] };
  if (fc === 6) return { ok: true, unit: frame[0], fc: fc, address: address, count: 1, values: [u16(frame, 4)] };
  return { ok: true, unit: frame[0], fc: fc, address: address, count: u16(frame, 4), values: [] };
}

/**
 * decodeResponse for a read request (FC 01–04, §6.1–6.4): the node's only kind of request,
 * so its bundle carries this and not the write functions' branches. Values: bits LSB first
 * (coils and inputs), registers big-endian.
 */
export function decodeReadResponse(request: Uint8Array, frame: Uint8Array, length?: number): ModbusResponse | ModbusError {
  const n = length === undefined ? frame.length : length;
  const head = checkHead(request, frame, n);
  if (head) return head;
  const fc = request[1];
  const count = u16(request, 4);
  const bits = fc <= 2;
  const want = 5 + (bits ? bitBytes(count) : 2 * count);
  if (n !== want) return modbusError("length", 0, "response of " + n + " bytes, expected " + want);
  if (frame[2] !== n - 5) return modbusError("bytecount", 0, "byte count " + frame[2] + ", expected " + (n - 5));
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(bits ? (frame[3 + (i >> 3)] >> (i & 7)) & 1 : u16(frame, 3 + 2 * i));
  return { ok: true, unit: frame[0], fc: fc, address: u16(request, 2), count: count, values: values };
}

/**
 * The checks every response goes through first, in order: length, CRC (Serial Line §2.5.1.2),
 * slave address, exception (fc | 0x80, §7: always 5 bytes), function code. null when they pass.
 */
function checkHead(request: Uint8Array, frame: Uint8Array, n: number): ModbusError | null {
  const fc = request[1];
  if (n < EXCEPTION_FRAME_LENGTH) return modbusError("length", 0, "response of " + n + " bytes is too short");
  if (!checkCrc(frame, n)) return modbusError("crc", 0, "CRC mismatch");
  if (frame[0] !== request[0]) return modbusError("address", 0, "response from unit " + frame[0] + ", expected " + request[0]);
  if (frame[1] === (fc | 0x80)) {
    if (n !== EXCEPTION_FRAME_LENGTH) return modbusError("length", 0, "exception response of " + n + " bytes, expected 5");
    const e = modbusError("exception", frame[2], "");
    e.message = "exception " + frame[2] + " " + e.name;
    return e;
  }
  if (frame[1] !== fc) return modbusError("function", 0, "response function " + frame[1] + ", expected " + fc);
  return null;
}

// ---------------------------------------------------------------------------------------
// Slave: requests in, responses out

/**
 * Length of the request frame at the start of buf[0, length): -1 if more bytes are needed
 * to tell, 0 if the function code is not supported (the slave can only wait for silence).
 */
export function requestFrameLength(buf: Uint8Array, length?: number): number {
  const n = length === undefined ? buf.length : length;
  if (n < 2) return -1;
  const fc = buf[1];
  if (fc >= 1 && fc <= 6) return 8;
  if (fc === 15 || fc === 16) return n < 7 ? -1 : 9 + buf[6];
  return 0;
}

export interface DecodedRequest {
  ok: true;
  request: ModbusRequest;
}

/**
 * Decodes a request frame (slave side). Errors of kind "crc" or "length" must be ignored
 * silently (Serial Line §2.4.1: a frame with a bad CRC is discarded); errors of kind
 * "request" carry the exception code the slave answers with: 01 for an unsupported function,
 * 03 for a bad quantity, byte count or coil value, 02 for an address range past 65535
 * (the §6.x state diagrams).
 */
export function decodeRequest(frame: Uint8Array, length?: number): DecodedRequest | ModbusError {
  const n = length === undefined ? frame.length : length;
  if (n < 4) return modbusError("length", 0, "request of " + n + " bytes is too short");
  if (!checkCrc(frame, n)) return modbusError("crc", 0, "CRC mismatch");
  const unit = frame[0];
  const fc = frame[1];
  if (!isSupportedFunction(fc)) return modbusError("request", EXCEPTION.ILLEGAL_FUNCTION, "function " + fc + " not supported");
  const want = requestFrameLength(frame, n);
  if (want !== n) return modbusError("length", 0, "request of " + n + " bytes, expected " + want);
  const address = u16(frame, 2);
  const q = u16(frame, 4);
  const values: number[] = [];
  let max = 1;
  if (fc >= 1 && fc <= 4) max = maxReadFor(fc);
  else if (fc === 15) max = MAX_WRITE_BITS;
  else if (fc === 16) max = MAX_WRITE_REGISTERS;
  let count = q;
  if (fc === 5) {
    if (q !== COIL_ON && q !== COIL_OFF) return modbusError("request", EXCEPTION.ILLEGAL_DATA_VALUE, "coil value 0x" + q.toString(16) + " is neither 0xFF00 nor 0x0000");
    count = 1;
    values.push(q === COIL_ON ? 1 : 0);
  } else if (fc === 6) {
    count = 1;
    values.push(q);
  } else if (q < 1 || q > max) {
    return modbusError("request", EXCEPTION.ILLEGAL_DATA_VALUE, "quantity " + q + " outside 1.." + max);
  }
  if (fc === 15) {
    if (frame[6] !== bitBytes(q)) return modbusError("request", EXCEPTION.ILLEGAL_DATA_VALUE, "byte count " + frame[6] + " does not match " + q + " coils");
    for (let i = 0; i < q; i++) values.push((frame[7 + (i >> 3)] >> (i & 7)) & 1);
  } else if (fc === 16) {
    if (frame[6] !== 2 * q) return modbusError("request", EXCEPTION.ILLEGAL_DATA_VALUE, "byte count " + frame[6] + " does not match " + q + " registers");
    for (let i = 0; i < q; i++) values.push(u16(frame, 7 + 2 * i));
  }
  if (address + count > 0x10000) return modbusError("request", EXCEPTION.ILLEGAL_DATA_ADDRESS, "address " + address + " + quantity " + count + " exceeds 65536");
  return { ok: true, request: { unit: unit, fc: fc, address: address, count: count, values: values } };
}

/** FC 01/02 response (§6.1, §6.2): byte count, bits LSB first, unused high bits zero. */
export function encodeReadBitsResponse(unit: number, fc: number, bits: ArrayLike<number | boolean>): Uint8Array {
  const n = bits.length;
  const nb = bitBytes(n);
  const f = new Uint8Array(5 + nb);
  f[0] = unit;
  f[1] = fc;
  f[2] = nb;
  for (let i = 0; i < n; i++) if (bits[i]) f[3 + (i >> 3)] |= 1 << (i & 7);
  return putCrc(f);
}

/** FC 03/04 response (§6.3, §6.4): byte count, registers big-endian. */
export function encodeReadRegistersResponse(unit: number, fc: number, registers: ArrayLike<number>): Uint8Array {
  const n = registers.length;
  if (n > MAX_READ_REGISTERS) fail(n + " registers do not fit one response");
  const f = new Uint8Array(5 + 2 * n);
  f[0] = unit;
  f[1] = fc;
  f[2] = 2 * n;
  for (let i = 0; i < n; i++) put16(f, 3 + 2 * i, registers[i] & 0xffff);
  return putCrc(f);
}

/** FC 05/06 response: an echo of the request (§6.5, §6.6). `value` is the raw u16 (0xFF00 for coil ON). */
export function encodeWriteSingleResponse(unit: number, fc: number, address: number, value: number): Uint8Array {
  return frame8(unit, fc, address, value & 0xffff);
}

/** FC 15/16 response (§6.11, §6.12): address and quantity written. */
export function encodeWriteMultipleResponse(unit: number, fc: number, address: number, count: number): Uint8Array {
  return frame8(unit, fc, address, count);
}

/** Exception response (§7): unit, fc | 0x80, exception code. */
export function encodeException(unit: number, fc: number, code: number): Uint8Array {
  const f = new Uint8Array(EXCEPTION_FRAME_LENGTH);
  f[0] = unit;
  f[1] = (fc | 0x80) & 0xff;
  f[2] = code;
  return putCrc(f);
}

/**
 * The normal response to a decoded request. `data`: for reads the values read (bits 0/1 or
 * registers, request.count of them); ignored for writes, whose responses echo the request.
 */
export function encodeResponse(req: ModbusRequest, data?: ArrayLike<number>): Uint8Array {
  const fc = req.fc;
  if (fc === 1 || fc === 2 || fc === 3 || fc === 4) {
    if (!data || data.length !== req.count) fail("response needs " + req.count + " values");
    return fc <= 2 ? encodeReadBitsResponse(req.unit, fc, data) : encodeReadRegistersResponse(req.unit, fc, data);
  }
  if (fc === 5) return encodeWriteSingleResponse(req.unit, fc, req.address, req.values[0] ? COIL_ON : COIL_OFF);
  if (fc === 6) return encodeWriteSingleResponse(req.unit, fc, req.address, req.values[0]);
  if (fc === 15 || fc === 16) return encodeWriteMultipleResponse(req.unit, fc, req.address, req.count);
  return fail("function " + fc + " not supported");
}
