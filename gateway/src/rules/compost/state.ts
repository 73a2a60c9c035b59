/** Plain-JSON state of one pile (one batch from building to release). */

export interface ProbeState {
  sensor: string;
  position: "core" | "outer" | "base";
  /** Last value that passed the quality flags and the stuck/range checks, null when the last reading did not. */
  raw: number | null;
  /** raw, unless the probe disagrees with the others beyond physics. */
  v: number | null;
  /** Time of the last reading (valid or not). */
  t: number | null;
  /** Valid values of the last 2 h, for the turning inference. */
  hist: [number, number][];
  /** Hourly maxima of the last 25 h [hour start, max], for C10. */
  hourMax: [number, number][];
}

export interface RunState {
  start: number | null;
  heldMs: number;
  dipStart: number | null;
  met: number | null;
}

export interface PileState {
  built: number | null;
  released: boolean;
  probes: ProbeState[];
  lastEval: number | null;
  /** Coolest valid probe at the last evaluation (holds until the next one). */
  coolest: number | null;
  runs: RunState[];
  /** Turnings of this batch (logged and inferred), data time, ascending. */
  turnings: number[];
  /** Turning candidate from the curve: drop on all probes seen at t, minimum of the hottest probe since. */
  turnCand: { t: number; min: number } | null;
  /** Hourly max of the hottest valid probe, last 30 h. */
  hourMax: [number, number][];
  c6Since: number | null;
  reached: boolean;
  c8Since: number | null;
  c9: { turn: number; reheated: boolean; thermophilic: boolean } | null;
  c10Since: number | null;
  c11: { coolSince: number | null; postTurnMin: number | null; reheated: boolean };
}

export function newPileState(probes: { sensor: string; position: "core" | "outer" | "base" }[], nAlt: number, built: number | null): PileState {
  return {
    built, released: false,
    probes: probes.map((p) => ({ sensor: p.sensor, position: p.position, raw: null, v: null, t: null, hist: [], hourMax: [] })),
    lastEval: null, coolest: null,
    runs: Array.from({ length: nAlt }, () => ({ start: null, heldMs: 0, dipStart: null, met: null })),
    turnings: [], turnCand: null, hourMax: [],
    c6Since: null, reached: false, c8Since: null, c9: null, c10Since: null,
    c11: { coolSince: null, postTurnMin: null, reheated: false },
  };
}

/** What one evaluation sees: the valid probes right now. */
export interface PileView {
  t: number;
  valid: ProbeState[];
  max: number;
  min: number;
  coreMax: number | null;
}

export function pushHourMax(arr: [number, number][], t: number, v: number, keepH: number): void {
  const h = Math.floor(t / 3_600_000) * 3_600_000;
  const last = arr[arr.length - 1];
  if (last !== undefined && last[0] === h) last[1] = Math.max(last[1], v);
  else arr.push([h, v]);
  while (arr.length > 0 && (arr[0] as [number, number])[0] < h - keepH * 3_600_000) arr.shift();
}

export function maxSince(arr: readonly [number, number][], from: number): number | null {
  let m: number | null = null;
  for (const [h, v] of arr) if (h + 3_600_000 > from && (m === null || v > m)) m = v;
  return m;
}
