/**
 * RTU character timing (Modbus over Serial Line V1.02 §2.5.1.1).
 *
 * A character on the wire is 11 bits in every mode the spec allows (1 start, 8 data, 1 parity
 * or a second stop bit, 1 stop; §2.5.1). Frames are separated by at least 3.5 character
 * times of silence (t3.5); inside a frame the gap between characters must not exceed 1.5
 * character times (t1.5). Above 19200 baud the spec fixes t1.5 = 750 µs and t3.5 = 1750 µs.
 *
 * The node does not measure these gaps (Espruino hands serial data to JS in chunks, see
 * ../shared/espruino.md); they are used by the simulator's bus and to compute how long the
 * RS485 driver-enable pin must stay high while a request leaves the UART.
 */

/** Bits per RTU character (§2.5.1): start + 8 data + parity/stop + stop. */
export const RTU_BITS_PER_CHAR = 11;

/** Duration of one character in µs at `baud`; bitsPerChar defaults to 11. */
export function charTimeUs(baud: number, bitsPerChar?: number): number {
  const bits = bitsPerChar === undefined ? RTU_BITS_PER_CHAR : bitsPerChar;
  return (bits * 1e6) / baud;
}

/** Maximum silence inside a frame, µs (§2.5.1.1; fixed 750 µs above 19200 baud). */
export function t15Us(baud: number): number {
  return baud > 19200 ? 750 : 1.5 * charTimeUs(baud);
}

/** Minimum silence between frames, µs (§2.5.1.1; fixed 1750 µs above 19200 baud). */
export function t35Us(baud: number): number {
  return baud > 19200 ? 1750 : 3.5 * charTimeUs(baud);
}

/** Time for `bytes` characters to leave the wire, µs (for the RS485 DE pin). */
export function txTimeUs(baud: number, bytes: number, bitsPerChar?: number): number {
  return bytes * charTimeUs(baud, bitsPerChar);
}
