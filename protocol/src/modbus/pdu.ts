/**
 * Modbus PDU vocabulary (Modbus Application Protocol V1.1b3): function codes, quantity
 * limits, exception codes and the plain-object shapes of requests, responses and errors.
 * Plain objects, not classes: cheap on Espruino and easy to log as JSON.
 */

/** Function codes implemented (§6.1–6.6, §6.11, §6.12). */
export const FC = {
  READ_COILS: 1,
  READ_DISCRETE_INPUTS: 2,
  READ_HOLDING_REGISTERS: 3,
  READ_INPUT_REGISTERS: 4,
  WRITE_SINGLE_COIL: 5,
  WRITE_SINGLE_REGISTER: 6,
  WRITE_MULTIPLE_COILS: 15,
  WRITE_MULTIPLE_REGISTERS: 16,
};

/** Quantity limits per request (§6.1, §6.2: 0x7D0; §6.3, §6.4: 0x7D; §6.11: 0x7B0; §6.12: 0x7B). */
export const MAX_READ_BITS = 2000;
export const MAX_READ_REGISTERS = 125;
export const MAX_WRITE_BITS = 1968;
export const MAX_WRITE_REGISTERS = 123;

/** FC 05 coil values (§6.5): 0xFF00 = ON, 0x0000 = OFF, anything else is illegal. */
export const COIL_ON = 0xff00;
export const COIL_OFF = 0x0000;

/** Exception codes (§7). */
export const EXCEPTION = {
  ILLEGAL_FUNCTION: 1,
  ILLEGAL_DATA_ADDRESS: 2,
  ILLEGAL_DATA_VALUE: 3,
  SERVER_DEVICE_FAILURE: 4,
  ACKNOWLEDGE: 5,
  SERVER_DEVICE_BUSY: 6,
  NEGATIVE_ACKNOWLEDGE: 7,
  MEMORY_PARITY_ERROR: 8,
  GATEWAY_PATH_UNAVAILABLE: 10,
  GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND: 11,
};

/**
 * Names of exception codes 01–0B. V1.1b3 §7 defines 01–06, 08, 0A and 0B; 07 (NEGATIVE
 * ACKNOWLEDGE) is from the older Modicon PI-MBUS-300 reference and still sent by some
 * devices; 09 is not assigned.
 */
const EXCEPTION_NAMES = [
  "",
  "ILLEGAL FUNCTION",
  "ILLEGAL DATA ADDRESS",
  "ILLEGAL DATA VALUE",
  "SERVER DEVICE FAILURE",
  "ACKNOWLEDGE",
  "SERVER DEVICE BUSY",
  "NEGATIVE ACKNOWLEDGE",
  "MEMORY PARITY ERROR",
  "",
  "GATEWAY PATH UNAVAILABLE",
  "GATEWAY TARGET DEVICE FAILED TO RESPOND",
];

/** Name of an exception code, e.g. 2 -> "ILLEGAL DATA ADDRESS"; unknown codes -> "EXCEPTION 0x..". */
export function exceptionName(code: number): string {
  const n = code >= 0 && code < EXCEPTION_NAMES.length ? EXCEPTION_NAMES[code] : "";
  if (n !== "") return n;
  const h = (code & 0xff).toString(16).toUpperCase();
  return "EXCEPTION 0x" + (h.length < 2 ? "0" + h : h);
}

/** True for the function codes this package encodes and decodes. */
export function isSupportedFunction(fc: number): boolean {
  return fc === 1 || fc === 2 || fc === 3 || fc === 4 || fc === 5 || fc === 6 || fc === 15 || fc === 16;
}

/** True for FC 01/02 (bits) and FC 03/04 (registers). */
export function isReadFunction(fc: number): boolean {
  return fc >= 1 && fc <= 4;
}

/** A request as the slave sees it (decodeRequest) and as tests build it. */
export interface ModbusRequest {
  /** Slave address 0..247; 0 is broadcast (writes only, no reply; Serial Line §2.2). */
  unit: number;
  fc: number;
  /** Starting address (PDU address, 0-based). */
  address: number;
  /** Quantity of bits or registers; 1 for single writes. */
  count: number;
  /** Values written: registers (0..65535) or bits (0/1). Empty for reads. */
  values: number[];
}

/** A good response (decodeResponse). */
export interface ModbusResponse {
  ok: true;
  unit: number;
  fc: number;
  address: number;
  count: number;
  /** Reads: registers (u16) or bits (0/1), count of them. Single writes: [value]. Multiple writes: []. */
  values: number[];
}

/**
 * Why a frame was refused. kind:
 * - "exception": the slave answered with exception `code` (name = its name);
 * - "crc", "length", "address", "function", "bytecount", "echo": a malformed or mismatched
 *   response (code 0);
 * - "request": a request the slave cannot accept; code is the exception it must answer with.
 */
export type ModbusErrorKind = "exception" | "crc" | "length" | "address" | "function" | "bytecount" | "echo" | "request";

export interface ModbusError {
  ok: false;
  kind: ModbusErrorKind;
  code: number;
  name: string;
  message: string;
}

export function modbusError(kind: ModbusErrorKind, code: number, message: string): ModbusError {
  return { ok: false, kind: kind, code: code, name: code ? exceptionName(code) : kind.toUpperCase(), message: message };
}

/** Bytes needed to carry n bits, LSB first (§6.1: N = Quantity / 8, +1 if remainder). */
export function bitBytes(n: number): number {
  return (n + 7) >> 3;
}
