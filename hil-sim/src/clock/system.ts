import type { Clock } from "@manure-edge/protocol";

/**
 * The real clock, for production Node.js code (gateway, `farm-sim serve`). protocol/ has only
 * the `Clock` interface because it must also run on Espruino, whose timers are different
 * globals; this is the one place Node's wall-clock timers are wrapped.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};
