/** Hex helpers for logs and test vectors ("01 03 00 6B" <-> bytes). */

const HEX = "0123456789ABCDEF";

/** Bytes as upper-case hex pairs separated by spaces. */
export function toHex(bytes: ArrayLike<number>, length?: number): string {
  const n = length === undefined ? bytes.length : length;
  let s = "";
  for (let i = 0; i < n; i++) {
    const b = bytes[i] & 0xff;
    s += (i ? " " : "") + HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return s;
}

/** Parses hex pairs, ignoring spaces; throws on anything else. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.split(" ").join("").toUpperCase();
  if (clean.length % 2 !== 0) throw new Error("hex: odd number of digits");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = HEX.indexOf(clean.charAt(2 * i));
    const lo = HEX.indexOf(clean.charAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new Error("hex: bad digit near " + clean.substr(2 * i, 2));
    out[i] = (hi << 4) | lo;
  }
  return out;
}
