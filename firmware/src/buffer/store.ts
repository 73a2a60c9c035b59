/**
 * Uplink message stores. An entry is one uplink message (JSON, as sent) with its (boot, seq).
 * Every implementation passes the same abstract test suite (store-suite.ts), in the spirit of
 * MQTT.js's store tests.
 *
 * Deletion follows the gateway's cumulative ack (protocol/src/wire/types.ts AckMessage): an
 * ack (b, s) removes every entry with (boot, seq) <= (b, s) compared lexicographically, and
 * nothing else.
 */

export interface Entry {
  b: number;
  s: number;
  /** The uplink message as sent (JSON text, ASCII). */
  d: string;
}

export interface MessageStore {
  /** Appends an entry newer than everything stored; when full the oldest go first (counted in dropped()). */
  push(e: Entry): void;
  /** The oldest entries with a key strictly after `after` (null: from the oldest), at most n. */
  peek(after: Key | null, n: number): Entry[];
  /** Removes every entry with key <= (b, s); returns how many were removed. */
  ack(b: number, s: number): number;
  size(): number;
  /** Entries dropped because the store was full, since this store was created. */
  dropped(): number;
}

export type Key = [number, number];

/** Lexicographic (boot, seq) order: negative, zero or positive. */
export function cmpKey(b1: number, s1: number, b2: number, s2: number): number {
  return b1 !== b2 ? b1 - b2 : s1 - s2;
}

export function after(e: Entry, k: Key | null): boolean {
  return k === null || cmpKey(e.b, e.s, k[0], k[1]) > 0;
}
