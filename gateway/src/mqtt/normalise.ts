import { Q, type UplinkMessage } from "@manure-edge/protocol";
import type { ReadingInput, UplinkInput } from "../store/types";

/**
 * Turns a validated uplink message into store input. Readings flagged Q.CLOCK_UNSYNC carry
 * node uptime, not epoch time: they are placed on the gateway's clock as
 *   t = receivedAt − (msg.su − reading.t)
 * (the reading was taken msg.su − reading.t ms before this send; transit time is taken as
 * zero, which errs by the broker latency, well under a second). Without su (a message of an
 * earlier boot, or an older node) msg.up, the uptime when the message was made, is used: exact
 * only if it was sent at once. Q.TIME_CORRECTED is added and CLOCK_UNSYNC kept, so a consumer
 * knows the time is an estimate.
 */
export function normaliseUplink(msg: UplinkMessage, receivedAt: number): UplinkInput {
  const readings: ReadingInput[] = msg.r.map((r) => {
    const [key, t, value, flags, x] = r;
    let time = t;
    let f = flags;
    if ((flags & Q.CLOCK_UNSYNC) !== 0) {
      time = receivedAt - ((msg.su ?? msg.up) - t);
      f = flags | Q.TIME_CORRECTED;
    }
    const p = x?.p;
    return { key, t: Math.round(time), value, flags: f, reason: x?.e ?? null, lat: p ? p[0] : null, lon: p ? p[1] : null, fix: p ? p[2] : null };
  });
  const out: UplinkInput = { kind: "up", node: msg.n, boot: msg.b, seq: msg.s, sentT: msg.t, receivedAt, readings };
  if (msg.p !== undefined) out.pred = msg.p;
  return out;
}
