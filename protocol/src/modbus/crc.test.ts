import { describe, expect, it } from "vitest";
import { checkCrc, crc16, putCrc } from "./crc";
import { fromHex } from "./hex";

describe("crc16 (CRC-16/MODBUS)", () => {
  it("matches Modbus over Serial Line V1.02 §6.2.2 example: 02 07 -> 0x1241, sent 41 12", () => {
    expect(crc16(fromHex("02 07"))).toBe(0x1241);
    const f = putCrc(fromHex("02 07 00 00"));
    expect(Array.from(f.subarray(2))).toEqual([0x41, 0x12]);
  });

  it("matches the CRC catalogue check value for '123456789' (0x4B37)", () => {
    expect(crc16(new TextEncoder().encode("123456789"))).toBe(0x4b37);
  });

  it("matches the classic Modicon frame 11 03 00 6B 00 03 76 87", () => {
    expect(checkCrc(fromHex("11 03 00 6B 00 03 76 87"))).toBe(true);
    expect(checkCrc(fromHex("11 03 00 6B 00 03 87 76"))).toBe(false);
  });

  it("honours start/end and a length argument", () => {
    const b = fromHex("FF FF 02 07 EE");
    expect(crc16(b, 2, 4)).toBe(0x1241);
    expect(checkCrc(fromHex("02 07 41 12 99 99"), 4)).toBe(true);
    expect(checkCrc(fromHex("02 07"), 2)).toBe(false);
  });
});
