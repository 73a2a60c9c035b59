/**
 * Character format of an asynchronous serial line. Modbus over Serial Line V1.02 §2.5.1:
 * a character is 1 start bit, 8 data bits, a parity bit (even by default, or none) and
 * stop bits so that every character is 11 bits (8E1, 8O1, 8N2); 8N1 (10 bits) is not
 * compliant but is what most cheap sensors ship with, so both are supported.
 */
export type Parity = "none" | "even" | "odd";

export interface LineConfig {
  baud: number;
  /** 7 or 8; default 8. */
  dataBits?: 7 | 8;
  /** Default "none". */
  parity?: Parity;
  /** Default 1. */
  stopBits?: 1 | 2;
}

export function bitsPerChar(cfg: LineConfig): number {
  const data = cfg.dataBits ?? 8;
  const parity = (cfg.parity ?? "none") === "none" ? 0 : 1;
  return 1 + data + parity + (cfg.stopBits ?? 1);
}

/** Time one character occupies on the wire, in ms. */
export function charMs(cfg: LineConfig): number {
  return (bitsPerChar(cfg) * 1000) / cfg.baud;
}

export function validateLineConfig(cfg: LineConfig): void {
  if (!(cfg.baud > 0) || !Number.isFinite(cfg.baud)) throw new Error(`line: baud must be a positive number, got ${cfg.baud}`);
  if (cfg.dataBits !== undefined && cfg.dataBits !== 7 && cfg.dataBits !== 8) throw new Error(`line: dataBits must be 7 or 8, got ${cfg.dataBits}`);
  if (cfg.parity !== undefined && !["none", "even", "odd"].includes(cfg.parity)) throw new Error(`line: parity must be none, even or odd, got ${cfg.parity}`);
  if (cfg.stopBits !== undefined && cfg.stopBits !== 1 && cfg.stopBits !== 2) throw new Error(`line: stopBits must be 1 or 2, got ${cfg.stopBits}`);
}
