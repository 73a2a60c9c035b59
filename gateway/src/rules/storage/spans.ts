import type { StoreConfig } from "../config";
import type { Ctx } from "../context";
import { HOUR, MIN } from "../util/time";
import type { StoreState } from "./state";

/** Intervals during which level changes are explained: pump-outs, inflow events, tanker loads. */
export function explainedSpans(ctx: Ctx, cfg: StoreConfig, st: StoreState, from: number, to: number, kinds: ("pump-out" | "inflow" | "load")[]): [number, number][] {
  const out: [number, number][] = [];
  const evKinds = kinds.filter((k) => k !== "load");
  if (evKinds.length > 0) {
    for (const e of ctx.eventsBetween(cfg.id, evKinds, from - 24 * HOUR, to)) {
      const d = e.data as { durationMin?: unknown } | undefined;
      const def = e.kind === "pump-out" ? cfg.thresholds.pumpOutMin : cfg.thresholds.inflowMin;
      const dur = (typeof d?.durationMin === "number" && d.durationMin > 0 ? d.durationMin : def) * MIN;
      if (e.t + dur >= from && e.t <= to) out.push([e.t, e.t + dur]);
    }
  }
  if (kinds.includes("load")) {
    for (const l of st.loads) if (l.tEnd >= from && l.tStart <= to) out.push([l.tStart, l.tEnd]);
  }
  return out;
}

export function overlaps(spans: readonly [number, number][], from: number, to: number): boolean {
  return spans.some(([a, b]) => a <= to && b >= from);
}
