import type { StoreConfig } from "../config";
import type { Ctx } from "../context";
import { HOUR, MIN } from "../util/time";
import { explainedSpans, overlaps } from "./spans";
import { levelAt, type StoreState } from "./state";

/**
 * L6 unexplained drop (I, critical: leak or illegal discharge): the level falls more than
 * unexplainedDropM over dropWindowH with no pump-out event and no tanker load. Judged 30 min
 * late, so that a tanker load (recorded once the tanker's weight is stable again) is known.
 */
export function unexplainedDrop(ctx: Ctx, cfg: StoreConfig, st: StoreState, te: number, tankerBusy: boolean): void {
  const th = cfg.thresholds;
  const e = te - 30 * MIN;
  const s = e - th.dropWindowH * HOUR;
  const a = levelAt(st.bins, s);
  const b = levelAt(st.bins, e);
  const subject = `store:${cfg.id}`;
  if (a === null || b === null) {
    ctx.alert(te, "L6", subject, cfg.id, { s: "unknown" });
    return;
  }
  const drop = a - b;
  const lim = Math.max(th.unexplainedDropM, 4 * th.levelNoiseM);
  if (drop <= lim) {
    ctx.alert(te, "L6", subject, cfg.id, { s: drop <= lim / 2 ? "off" : "band" });
    return;
  }
  const spans = explainedSpans(ctx, cfg, st, s - HOUR, te, ["pump-out", "load"]);
  if (overlaps(spans, s - HOUR, te) || tankerBusy) {
    ctx.alert(te, "L6", subject, cfg.id, { s: "off" });
    return;
  }
  ctx.alert(te, "L6", subject, cfg.id, {
    s: "on", severity: "critical", messageId: "rules.storage.unexplainedDrop",
    params: { dropM: Math.round(drop * 1000) / 1000, hours: th.dropWindowH }, value: drop,
  });
}
