/**
 * Protocol throughput on this machine (Node.js; Espruino is ~1000× slower, so the ratios
 * matter more than the absolute numbers). Each row is measured against a baseline in the
 * same run:
 *   crc16 (table)        vs the bitwise CRC loop of Serial Line V1.02 §6.2.2
 *   FrameAssembler.push  vs decodeResponse on the already-whole frame
 *   validateUplink       vs JSON.parse of the same text (the floor any validator pays)
 *   decodePoint          vs a DataView read of the same registers
 * Usage: npx tsx protocol/bench/codec.ts
 */
import {
  crc16,
  decodePoint,
  decodeResponse,
  encodeReadRegistersResponse,
  encodeReadRequest,
  FrameAssembler,
  PointDef,
  Q,
  UplinkMessage,
  validateUplink,
} from "../src/index";

function bitwiseCrc(b: Uint8Array): number {
  let crc = 0xffff;
  for (let i = 0; i < b.length; i++) {
    crc ^= b[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Runs fn repeatedly for ~ms milliseconds; returns operations per second. */
function rate(fn: () => unknown, ms = 400): number {
  let n = 0;
  let sink = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 100; i++) if (fn()) sink++;
    n += 100;
    t = performance.now();
  }
  if (sink < 0) console.log(sink);
  return (n * 1000) / (t - t0);
}

const rows: [string, number, string, number][] = [];

const frame256 = new Uint8Array(256).map((_, i) => (i * 37) & 0xff);
if (crc16(frame256) !== bitwiseCrc(frame256)) throw new Error("CRC implementations disagree");
rows.push(["crc16 256 B (table)", rate(() => crc16(frame256)), "bitwise loop", rate(() => bitwiseCrc(frame256))]);

const req = encodeReadRequest(1, 3, 0, 125);
const regs: number[] = [];
for (let i = 0; i < 125; i++) regs.push((i * 523) & 0xffff);
const resp = encodeReadRegistersResponse(1, 3, regs);
const asm = new FrameAssembler();
rows.push([
  "assemble 255 B in 16 B chunks + decode",
  rate(() => {
    asm.expect(req);
    let f: Uint8Array | null = null;
    for (let i = 0; i < resp.length; i += 16) f = asm.push(resp.subarray(i, i + 16)) || f;
    return decodeResponse(req, f as Uint8Array).ok;
  }),
  "decode whole frame",
  rate(() => decodeResponse(req, resp).ok),
]);

const msg: UplinkMessage = { v: 1, n: "pit-1", b: 3, s: 99, t: 1764000000000, cs: 1, up: 1000, r: [] };
for (let i = 0; i < 500; i++) msg.r.push(["pile" + (i % 8) + ".t" + (i % 8), 1764000000000 + i * 1000, 55.2 + i / 10, i % 50 === 0 ? Q.OUT_OF_RANGE : 0]);
const text = JSON.stringify(msg);
rows.push([
  "validateUplink 500 readings (" + text.length + " B)",
  rate(() => validateUplink(text, "pit-1").ok, 800),
  "JSON.parse alone",
  rate(() => JSON.parse(text) !== null, 800),
]);

const f32: PointDef = { name: "w", table: "holding", address: 0, type: "f32", order: "CDAB", scale: 1, range: [0, 100] };
const dv = new DataView(new ArrayBuffer(4));
rows.push([
  "decodePoint f32 CDAB + range",
  rate(() => decodePoint(f32, [0x0000, 0x4148]).value),
  "raw DataView read",
  rate(() => {
    dv.setUint16(0, 0x4148);
    dv.setUint16(2, 0x0000);
    return dv.getFloat32(0);
  }),
]);

const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(12);
console.log("| operation | ops/s | baseline | ops/s | ratio |");
console.log("|---|---:|---|---:|---:|");
for (const [a, x, b, y] of rows) console.log("| " + a + " | " + fmt(x) + " | " + b + " | " + fmt(y) + " | " + (x / y).toFixed(2) + " |");
