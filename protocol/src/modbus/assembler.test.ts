import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameAssembler } from "./assembler";
import { checkCrc } from "./crc";
import { fromHex, toHex } from "./hex";
import { encodeException, encodeReadRequest, encodeReadRegistersResponse, encodeWriteSingleRegister, encodeWriteSingleResponse } from "./rtu";

const req = encodeReadRequest(1, 3, 0, 2);
const resp = encodeReadRegistersResponse(1, 3, [0x1234, 0xabcd]); // 9 bytes

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

describe("FrameAssembler", () => {
  it("yields the response however the bytes are chunked", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(20), { maxLength: 8 }), (cuts) => {
        const a = new FrameAssembler();
        a.expect(req);
        const frames: Uint8Array[] = [];
        for (const c of split(resp, cuts)) {
          const f = a.push(c);
          if (f) frames.push(f);
        }
        expect(frames.map((f) => toHex(f))).toEqual([toHex(resp)]);
        expect(a.droppedBytes).toBe(0);
        expect(a.waiting()).toBe(false);
      }),
    );
  });

  it("drops and counts garbage before, inside a false start, and after the frame", () => {
    const a = new FrameAssembler();
    a.expect(req);
    // 3 noise bytes, then "01 05" (right unit, wrong function): 2 more dropped.
    expect(a.push(fromHex("FF 00 7E 01 05"))).toBeNull();
    const f = a.push(new Uint8Array([...resp, 0x01, 0x03]));
    expect(f && toHex(f)).toBe(toHex(resp));
    expect(a.droppedBytes).toBe(5 + 2);
    expect(a.frames).toBe(1);
    // Nothing outstanding: stray bytes are counted, never returned.
    expect(a.push(resp)).toBeNull();
    expect(a.droppedBytes).toBe(7 + resp.length);
  });

  it("resynchronises after a noise byte that looks like the unit address", () => {
    const a = new FrameAssembler();
    a.expect(req);
    // 01 03 looks like a start; 01 03 04 12 34 AB CD xx yy fails CRC and the scan moves on.
    const f = a.push(new Uint8Array([0x01, 0x03, ...resp]));
    expect(f && toHex(f)).toBe(toHex(resp));
    expect(a.crcErrors).toBeGreaterThanOrEqual(1);
    expect(a.droppedBytes).toBe(2);
  });

  it("takes a 5-byte exception response", () => {
    const a = new FrameAssembler();
    a.expect(req);
    const ex = encodeException(1, 3, 2);
    const f = a.push(ex);
    expect(f && toHex(f)).toBe(toHex(ex));
  });

  it("counts a corrupted frame and returns nothing", () => {
    const a = new FrameAssembler();
    a.expect(req);
    const bad = resp.slice();
    bad[4] ^= 0x10;
    expect(a.push(bad)).toBeNull();
    expect(a.crcErrors).toBe(1);
    a.cancel();
    expect(a.droppedBytes).toBe(bad.length);
    expect(a.pending()).toBe(0);
  });

  it("a new expect() drops leftovers of the previous transaction", () => {
    const a = new FrameAssembler();
    a.expect(req);
    a.push(resp.subarray(0, 4));
    const w = encodeWriteSingleRegister(1, 7, 9);
    a.expect(w);
    expect(a.droppedBytes).toBe(4);
    const echo = encodeWriteSingleResponse(1, 6, 7, 9);
    expect(toHex(a.push(echo) as Uint8Array)).toBe(toHex(echo));
  });

  it("never returns a frame with a bad CRC, whatever the noise", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 10 }), (pre, post) => {
        const a = new FrameAssembler();
        a.expect(req);
        const f = a.push(new Uint8Array([...pre, ...resp, ...post]));
        // The real frame is always found (noise before it can only cost bytes, never the frame),
        // unless the noise itself contains a valid frame for this request, which is returned first.
        expect(f).not.toBeNull();
        const frame = f as Uint8Array;
        expect(frame[0]).toBe(1);
        expect(frame.length === 9 || frame.length === 5).toBe(true);
        expect(checkCrc(frame)).toBe(true);
      }),
    );
  });
});
