/** Plain-JSON state of one liquid store. Bins are 10-min medians of the level (m above the floor). */

export const BIN_MS = 600_000;

/** Sufficient statistics of a least-squares fit: x in hours from the window start, y in mm. */
export interface FitStats {
  n: number;
  sx: number;
  sy: number;
  sxx: number;
  sxy: number;
  syy: number;
}

export interface NightResult {
  /** End of the night window. */
  t: number;
  /** This night's residual loss after the evaporation allowance, mm/d (positive = loss), null if no fit. */
  residualMmD: number | null;
  /** Standard error of this night's own slope, mm/d. */
  seMmD?: number | null;
  quiet: boolean;
  /** Evaporation allowance used for this night, mm/d. */
  evapMmD?: number;
  stats: FitStats;
}

export interface LoadSpan {
  tStart: number;
  tEnd: number;
  tonnes: number;
  tanker: string;
}

export interface Reconciliation {
  t: number;
  tanker: string;
  tankerT: number;
  pitT: number;
  diffPct: number;
}

export interface StoreState {
  /** Last valid levels (m above floor), for a running median against spikes. */
  recent: number[];
  level: number | null;
  levelT: number | null;
  cur: { t0: number; vals: number[] } | null;
  /** Closed bins [start, median level]. 8 days. */
  bins: [number, number][];
  rainLast: number | null;
  /** Rain per bin [start, mm], same grid. 8 days. */
  rain: [number, number][];
  /** Robust net inflow rate, m/d, and days to full (null: not rising). */
  rateMD: number | null;
  daysToFull: number | null;
  nights: NightResult[];
  /** The night window being accumulated (raw valid levels). */
  night: { from: number; to: number; y0: number; stats: FitStats } | null;
  /** Pooled seepage estimate over the last quiet nights. */
  seepage: { residualMmD: number; seMmD: number; nights: number } | null;
  loads: LoadSpan[];
  pendingRecon: LoadSpan[];
  recons: Reconciliation[];
}

export function newStoreState(): StoreState {
  return {
    recent: [], level: null, levelT: null, cur: null, bins: [], rainLast: null, rain: [],
    rateMD: null, daysToFull: null, nights: [], night: null, seepage: null, loads: [], pendingRecon: [], recons: [],
  };
}

/** Median level of the bin containing t, or of the nearest bin within `tolMs`. */
export function levelAt(bins: readonly [number, number][], t: number, tolMs = 2 * BIN_MS): number | null {
  let lo = 0;
  let hi = bins.length - 1;
  let best: [number, number] | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = bins[mid] as [number, number];
    if (b[0] <= t) {
      best = b;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const next = bins[lo];
  const dBest = best === null ? Infinity : Math.max(0, t - (best[0] + BIN_MS));
  const dNext = next === undefined ? Infinity : next[0] - t;
  if (dBest <= dNext) return dBest <= tolMs && best !== null ? best[1] : null;
  return dNext <= tolMs && next !== undefined ? next[1] : null;
}

export function rainBetween(rain: readonly [number, number][], from: number, to: number): number {
  let s = 0;
  for (let i = rain.length - 1; i >= 0; i--) {
    const [t0, mm] = rain[i] as [number, number];
    if (t0 < from - BIN_MS) break;
    if (t0 + BIN_MS > from && t0 < to) s += mm;
  }
  return s;
}
