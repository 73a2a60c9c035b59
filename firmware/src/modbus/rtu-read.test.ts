/**
 * The node's read-only RTU codec must give protocol's results for reads: the same request
 * frame as encodeReadRequest, and decodeResponse's verdict on any reply (valid responses,
 * exceptions, and replies broken in every field: length, CRC, unit, function, byte count).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decodeResponse, encodeException, encodeReadBitsResponse, encodeReadRegistersResponse, encodeReadRequest, putCrc,
} from "@manure-edge/protocol";
import { decodeRead, readRequest } from "./rtu-read";

const request = fc.record({
  unit: fc.integer({ min: 1, max: 247 }),
  fc: fc.integer({ min: 1, max: 4 }),
  address: fc.integer({ min: 0, max: 65535 }),
}).chain((r) => fc.integer({ min: 1, max: Math.min(r.fc < 3 ? 2000 : 125, 65536 - r.address) }).map((count) => ({ ...r, count })));

/** protocol's verdict as the node sees it: for a refusal other than an exception, no message. */
function verdict(r: ReturnType<typeof decodeResponse>) {
  return r.ok || r.kind === "exception" ? r : { ...r, message: r.kind };
}

describe("rtu-read", () => {
  it("makes protocol's read request frames", () => {
    fc.assert(fc.property(request, (q) => {
      expect(Array.from(readRequest(q.unit, q.fc, q.address, q.count))).toEqual(Array.from(encodeReadRequest(q.unit, q.fc, q.address, q.count)));
    }), { numRuns: 2000 });
  });

  it("decodes replies as protocol's decodeResponse does, broken ones included", () => {
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
      let f: Uint8Array;
      if (x.kind === "exception") f = encodeException(x.q.unit, x.q.fc, x.code);
      else if (x.kind === "ok") {
        const vals: number[] = [];
        for (let i = 0; i < x.q.count; i++) vals.push(x.q.fc < 3 ? x.seed[i % (x.seed.length || 1)] & 1 : x.seed[i % (x.seed.length || 1)] || 0);
        f = x.q.fc < 3 ? encodeReadBitsResponse(x.q.unit, x.q.fc, vals) : encodeReadRegistersResponse(x.q.unit, x.q.fc, vals);
      } else f = putCrc(Uint8Array.from(x.seed.slice(0, 20).map((v) => v & 255).concat([0, 0])));
      const b = Array.from(f);
      if (x.edit === "byte" || x.edit === "byte+crc") {
        b[x.at % b.length] = x.value;
        f = x.edit === "byte+crc" && b.length >= 2 ? putCrc(Uint8Array.from(b)) : Uint8Array.from(b);
      } else if (x.edit === "cut") f = Uint8Array.from(b.slice(0, x.at % b.length));
      else if (x.edit === "grow") f = putCrc(Uint8Array.from(b.concat([x.value, 0, 0])));
      const want = verdict(decodeResponse(req, f));
      if (want.ok) oks++;
      else bads++;
      expect(decodeRead(req, f)).toEqual(want);
    }), { numRuns: 20000 });
    // Both sides of the comparison were exercised.
    expect(oks).toBeGreaterThan(1000);
    expect(bads).toBeGreaterThan(1000);
  });
});
