import { describe, expect, it } from "vitest";
import { Q, type UplinkMessage } from "@manure-edge/protocol";
import { normaliseUplink } from "./normalise";

const RECEIVED = Date.UTC(2026, 5, 1, 12);

function msg(extra: Partial<UplinkMessage>): UplinkMessage {
  // Made at uptime 600 s with a reading taken at uptime 540 s, before the node had a clock.
  return { v: 1, n: "pit-1", b: 4, s: 2, t: 600_000, cs: 0, up: 600_000, r: [["lvl.distance", 540_000, 1.5, Q.CLOCK_UNSYNC]], ...extra };
}

describe("normaliseUplink", () => {
  it("places an unsynchronised reading from the uptime at send (su): a message sent two hours after it was made", () => {
    const u = normaliseUplink(msg({ su: 600_000 + 7_200_000 }), RECEIVED);
    // Taken (su - 540 s) before this send, i.e. before the message was received.
    expect(u.readings[0].t).toBe(RECEIVED - (7_800_000 - 540_000));
    expect(u.readings[0].flags).toBe(Q.CLOCK_UNSYNC | Q.TIME_CORRECTED);
  });

  it("without su (an earlier boot's message, an older node) uses the uptime when it was made", () => {
    const u = normaliseUplink(msg({}), RECEIVED);
    expect(u.readings[0].t).toBe(RECEIVED - 60_000);
  });

  it("keeps synchronised readings' times and passes the predecessor on", () => {
    const u = normaliseUplink(msg({ cs: 1, p: [4, 1], r: [["lvl.distance", RECEIVED - 5000, 1.5, 0]] }), RECEIVED);
    expect(u.readings[0]).toMatchObject({ t: RECEIVED - 5000, flags: 0 });
    expect(u.pred).toEqual([4, 1]);
    expect(normaliseUplink(msg({}), RECEIVED).pred).toBeUndefined();
  });
});
