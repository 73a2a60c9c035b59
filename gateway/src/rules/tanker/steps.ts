import type { TankerConfig } from "../config";
import { median, sd } from "../util/stats";
import type { TankerState } from "./state";

/**
 * T1 load / unload detection on STABLE windows (I): a window of stableS seconds with at least
 * 3 readings and a standard deviation under stableSdT (sloshing while driving or pumping makes
 * the variance large, so those windows never count). A step is the difference between the
 * reference stable weight and a new stable window's median, when it exceeds stepT.
 * Returns the step, or null.
 */
export interface Step {
  kind: "load" | "unload";
  before: number;
  after: number;
  tStart: number;
  tEnd: number;
}

export function detectStep(cfg: TankerConfig, st: TankerState, t: number, w: number): Step | null {
  const th = cfg.thresholds;
  st.win.push([t, w]);
  const from = t - th.stableS * 1000;
  while (st.win.length > 0 && (st.win[0] as [number, number])[0] < from) st.win.shift();
  const span = t - (st.win[0] as [number, number])[0];
  const vals = st.win.map((x) => x[1]);
  const stable = st.win.length >= 3 && span >= 0.5 * th.stableS * 1000 && sd(vals) <= th.stableSdT;
  if (!stable) {
    st.unstableSince ??= t;
    return null;
  }
  const level = median(vals);
  const winStart = (st.win[0] as [number, number])[0];
  st.unstableSince = null;
  if (st.stable === null) {
    st.stable = { w: level, t };
    return null;
  }
  const diff = level - st.stable.w;
  if (Math.abs(diff) < th.stepT) {
    st.stable.t = t;
    return null;
  }
  const step: Step = { kind: diff > 0 ? "load" : "unload", before: st.stable.w, after: level, tStart: st.stable.t, tEnd: winStart };
  st.stable = { w: level, t };
  return step;
}
