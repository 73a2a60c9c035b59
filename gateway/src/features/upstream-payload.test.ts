import { expect, it } from "vitest";
import fc from "fast-check";
import { buildBatch, serializeBatch } from "./upstream-payload";
import type { FeedEntry } from "../store/queries";

const state = fc.constantFrom("raised" as const, "acknowledged" as const, "cleared" as const);
const entry: fc.Arbitrary<FeedEntry> = fc.oneof(
  fc.record({
    type: fc.constant("reading" as const), seq: fc.nat(), sensor: fc.string(), node: fc.string(), key: fc.string(), t: fc.nat(),
    value: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })), flags: fc.nat(0xffff), reason: fc.option(fc.string()),
    lat: fc.option(fc.double({ min: -90, max: 90, noNaN: true })), lon: fc.option(fc.double({ min: -180, max: 180, noNaN: true })), fix: fc.option(fc.nat(9)),
  }),
  fc.record({
    type: fc.constant("alert" as const), seq: fc.nat(), alertId: fc.nat(), rule: fc.string(), subject: fc.string(), facility: fc.option(fc.string()),
    severity: fc.string(), from: fc.option(state), to: state, t: fc.nat(), message: fc.option(fc.string()), note: fc.option(fc.string()), by: fc.option(fc.string()),
    params: fc.option(fc.dictionary(fc.string(), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string()))),
  }),
  fc.record({
    type: fc.constant("ledger" as const), seq: fc.nat(), id: fc.nat(), t: fc.nat(), kind: fc.string(), facility: fc.option(fc.string()), site: fc.option(fc.string()),
    tonnes: fc.double({ noNaN: true, noDefaultInfinity: true }), lat: fc.option(fc.double({ min: -90, max: 90, noNaN: true })), lon: fc.option(fc.double({ min: -180, max: 180, noNaN: true })),
  }),
);

it("serializeBatch writes exactly what JSON.stringify(buildBatch(...)) writes", () => {
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 20 }), fc.string(), fc.string(), (entries, farm, gw) => {
      const fast = serializeBatch(farm, gw, 1, 99, entries, 1234);
      expect(JSON.parse(fast)).toEqual(JSON.parse(JSON.stringify(buildBatch(farm, gw, 1, 99, entries, 1234))));
    }),
    { numRuns: 300 },
  );
});
