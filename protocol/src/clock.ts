/**
 * The clock every time-dependent part takes as a parameter, so that the simulator can run a
 * month of farm time in seconds and tests never sleep. Times are milliseconds since the Unix
 * epoch (UTC), as numbers: Espruino has no BigInt and its Date is a double too.
 */
export interface Clock {
  /** Current time, ms since epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}
