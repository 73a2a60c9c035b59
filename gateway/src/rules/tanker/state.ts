/** Plain-JSON state of one tanker. Weights in tonnes. */
export interface TankerState {
  /** Valid readings of the last stable window [t, tonnes]. */
  win: [number, number][];
  /** Reference stable weight and the last time it was seen stable. */
  stable: { w: number; t: number } | null;
  unstableSince: number | null;
  pos: { lat: number; lon: number; t: number } | null;
  /** 1-min weight medians for discharge detection [start, median, site: field/store id, "" outside, null no fix]. */
  bins: [number, number, string | null][];
  cur: { t0: number; vals: number[]; site: string | null } | null;
  /** Tonnes seen falling per site during the current unstable period ("" = off every field). */
  fallBySite: Record<string, number>;
  fallPos: [number, number] | null;
  falling: boolean;
  /**
   * T2 candidate: a fall away from every site seen, not yet confirmed. `ref` is the weight
   * before the fall (the window's first 3-min median), `since` when it was first seen.
   * Optional: states saved before it existed have none.
   */
  t2Cand?: { ref: number; since: number } | null;
  /** Highest weight of the current unstable period (median of 3 one-minute medians), when and where. */
  peak: { w: number; t: number; lat: number | null; lon: number | null } | null;
  today: { day: number; loadT: number; unloadT: number };
  /** Tonnes applied per "<field>|<season>". */
  totals: Record<string, number>;
  lastWeight: number | null;
}

export function newTankerState(): TankerState {
  return {
    win: [], stable: null, unstableSince: null, pos: null, bins: [], cur: null,
    fallBySite: {}, fallPos: null, falling: false, t2Cand: null, peak: null, today: { day: 0, loadT: 0, unloadT: 0 }, totals: {}, lastWeight: null,
  };
}
