/**
 * The read path a sensor node uses (readRequestFrame, decodeReadResponse), on random requests
 * and replies: the same request frames as encodeReadRequest; a reply the slave side encoded
 * decodes to its values; a reply broken in any field (length, CRC, unit, function, byte count)
 * is refused with the kind of the first check it fails, and never decodes to other values.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkCrc, putCrc } from "./crc";
import { decodeReadResponse, decodeResponse, encodeException, encodeReadBitsResponse, encodeReadRegistersResponse, encodeReadRequest, readRequestFrame } from "./rtu";

const request = fc.record({
  unit: fc.integer({ min: 1, max: 247 }),
  fc: fc.integer({ min: 1, max: 4 }),
  address: fc.integer({ min: 0, max: 65535 }),
}).chain((r) => fc.integer({ min: 1, max: Math.min(r.fc < 3 ? 2000 : 125, 65536 - r.address) }).map((count) => ({ ...r, count })));

/** The first check (Serial Line §2.5.1, Application Protocol §6.1–6.4, §7) a reply to `req` fails, computed apart. */
function firstFailure(req: Uint8Array, f: Uint8Array): string | null {
  const n = f.length;
  const fc = req[1];
  const count = (req[4] << 8) | req[5];
  if (n < 5) return "length";
  if (!checkCrc(f, n)) return "crc";
  if (f[0] !== req[0]) return "address";
  if (f[1] === (fc | 0x80)) return n === 5 ? "exception" : "length";
  if (f[1] !== fc) return "function";
  if (n !== 5 + (fc < 3 ? Math.ceil(count / 8) : 2 * count)) return "length";
  if (f[2] !== n - 5) return "bytecount";
  return null;
}

describe("the read path of a Modbus RTU master", () => {
  it("readRequestFrame makes encodeReadRequest's frames", () => {
    fc.assert(fc.property(request, (q) => {
      expect(Array.from(readRequestFrame(q.unit, q.fc, q.address, q.count))).toEqual(Array.from(encodeReadRequest(q.unit, q.fc, q.address, q.count)));
    }), { numRuns: 2000 });
  });

  it("decodeReadResponse decodes what the slave side encodes and refuses broken replies by their first failing check", () => {
    const reply = fc.record({
      q: request,
      kind: fc.constantFrom("ok", "exception", "random"),
      code: fc.integer({ min: 0, max: 255 }),
      seed: fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 0, maxLength: 130 }),
      // Changes after the frame is made: none, a byte set (then the CRC redone or not), cut or grown.
      edit: fc.constantFrom("none", "byte", "byte+crc", "cut", "grow"),
      at: fc.nat(300),
      value: fc.integer({ min: 0, max: 255 }),
    });
    let oks = 0, bads = 0;
    fc.assert(fc.property(reply, (x) => {
      const req = encodeReadRequest(x.q.unit, x.q.fc, x.q.address, x.q.count);
      const vals: number[] = [];
      let f: Uint8Array;
      if (x.kind === "exception") f = encodeException(x.q.unit, x.q.fc, x.code);
      else if (x.kind === "ok") {
        for (let i = 0; i < x.q.count; i++) vals.push(x.q.fc < 3 ? x.seed[i % (x.seed.length || 1)] & 1 : x.seed[i % (x.seed.length || 1)] || 0);
        f = x.q.fc < 3 ? encodeReadBitsResponse(x.q.unit, x.q.fc, vals) : encodeReadRegistersResponse(x.q.unit, x.q.fc, vals);
      } else f = putCrc(Uint8Array.from(x.seed.slice(0, 20).map((v) => v & 255).concat([0, 0])));
      const b = Array.from(f);
      const edited = x.edit !== "none";
      if (x.edit === "byte" || x.edit === "byte+crc") {
        b[x.at % b.length] = x.value;
        f = x.edit === "byte+crc" && b.length >= 2 ? putCrc(Uint8Array.from(b)) : Uint8Array.from(b);
      } else if (x.edit === "cut") f = Uint8Array.from(b.slice(0, x.at % b.length));
      else if (x.edit === "grow") f = putCrc(Uint8Array.from(b.concat([x.value, 0, 0])));
      const r = decodeReadResponse(req, f);
      // The general decoder gives the same for reads.
      expect(decodeResponse(req, f)).toEqual(r);
      const fail = firstFailure(req, f);
      if (r.ok) {
        oks++;
        expect(fail).toBeNull();
        expect([r.unit, r.fc, r.address, r.count]).toEqual([x.q.unit, x.q.fc, x.q.address, x.q.count]);
        if (x.kind === "ok" && !edited) expect(r.values).toEqual(vals);
        // What it decoded is what the slave side would encode: the same frame.
        const again = x.q.fc < 3 ? encodeReadBitsResponse(x.q.unit, x.q.fc, r.values) : encodeReadRegistersResponse(x.q.unit, x.q.fc, r.values);
        if (x.q.fc >= 3 || !edited) expect(Array.from(again)).toEqual(Array.from(f));
      } else {
        bads++;
        expect(r.kind).toBe(fail);
        if (r.kind === "exception") expect(r.code).toBe(f[2]);
      }
    }), { numRuns: 20000 });
    // Both sides were exercised.
    expect(oks).toBeGreaterThan(1000);
    expect(bads).toBeGreaterThan(1000);
  });
});
