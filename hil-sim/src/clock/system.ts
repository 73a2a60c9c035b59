/**
 * The real clock, for production Node.js code (`farm-sim serve`, the demo) and tests that use
 * wall time. protocol/ has only the `Clock` interface because it must also run on Espruino; the
 * one wrapper of Node's timers lives in the gateway, which the simulator already depends on.
 */
export { systemClock } from "@manure-edge/gateway";
