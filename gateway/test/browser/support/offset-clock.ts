import type { Clock } from "@manure-edge/protocol";

/**
 * A Clock that runs at real speed (the browser waits in real time) but starts at a chosen
 * instant, so the data time of a test is fixed (2026-03-01) whatever day the test runs.
 */
export class OffsetClock implements Clock {
  private readonly offset: number;

  constructor(start: number) {
    this.offset = start - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return setTimeout(fn, ms);
  }

  clearTimeout(h: unknown): void {
    clearTimeout(h as ReturnType<typeof setTimeout>);
  }

  setInterval(fn: () => void, ms: number): unknown {
    return setInterval(fn, ms);
  }

  clearInterval(h: unknown): void {
    clearInterval(h as ReturnType<typeof setInterval>);
  }
}
