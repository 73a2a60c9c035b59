import type { TankerConfig } from "../config";
import { median, sd } from "../util/stats";
import type { TankerState } from "./state";

/**
 * T1 stable windows (I): a window of stableS seconds with at least 3 readings spanning ¾ of it
 * and a standard deviation under stableSdT (sloshing while driving or pumping makes the
 * variance large, so those windows never count). Returns a Settle when the weight becomes
 * stable again after being unstable, or drifts by stepT while stable; the caller turns it
 * (with the peak of the excursion in between) into ledger entries.
 */
export interface Settle {
  /** Reference stable weight before, and the new stable weight. */
  before: number;
  after: number;
  /** Last time the reference was seen stable; start of the new stable window. */
  tStart: number;
  tEnd: number;
}

export function detectSettle(cfg: TankerConfig, st: TankerState, t: number, w: number): Settle | null {
  const th = cfg.thresholds;
  st.win.push([t, w]);
  const from = t - th.stableS * 1000;
  while (st.win.length > 0 && (st.win[0] as [number, number])[0] < from) st.win.shift();
  const winStart = (st.win[0] as [number, number])[0];
  const vals = st.win.map((x) => x[1]);
  const stable = st.win.length >= 3 && t - winStart >= 0.75 * th.stableS * 1000 && sd(vals) <= th.stableSdT;
  if (!stable) {
    st.unstableSince ??= t;
    return null;
  }
  const level = median(vals);
  const wasUnstable = st.unstableSince !== null;
  st.unstableSince = null;
  if (st.stable === null) {
    st.stable = { w: level, t };
    return null;
  }
  const before = st.stable;
  st.stable = { w: before.w, t };
  if (!wasUnstable && Math.abs(level - before.w) < th.stepT) return null;
  return { before: before.w, after: level, tStart: before.t, tEnd: winStart };
}
