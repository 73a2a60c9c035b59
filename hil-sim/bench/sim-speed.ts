/**
 * Simulated seconds per wall second for a 10-node farm, physics only (no bus, no firmware).
 * Target (issue #3): 30 farm days in under 60 s. Baseline, measured in the same run: an empty
 * VirtualClock firing the same number of ticks, i.e. the cost of the scheduler alone.
 *
 *   npx tsx hil-sim/bench/sim-speed.ts [days]
 */
import { VirtualClock } from "../src/clock/virtual-clock";
import { runScenario } from "../src/scenario/simulation";
import type { Scenario } from "../src/scenario/types";

const DAYS = Number(process.argv[2] ?? 30);
const DAY = 86_400_000;

/** Ten nodes: four stores, four piles, two tankers with scales and GPS. */
function tenNodeFarm(step: string): Scenario {
  const base = { lat: 41.8, lon: 120.77 };
  const stores = [0, 1, 2, 3].map((i) => ({
    id: `pit-${i + 1}`,
    areaM2: 300 + 50 * i,
    lipDepthM: 3,
    initialLevelM: 1,
    covered: i % 2 === 0,
    catchmentM2: 100 * i,
    herd: { pigs: 500 + 100 * i },
    leakMmPerDay: i === 3 ? 3.5 : 0,
  }));
  const piles = [0, 1, 2, 3].map((i) => ({ id: `pile-${i + 1}`, kind: i < 2 ? ("windrow" as const) : ("trough" as const) }));
  const tankers = [0, 1].map((i) => ({ id: `tanker-${i + 1}`, capacityM3: 10, home: base, noFixZones: [{ lat: 41.806, lon: 120.7775, radiusM: 100 }] }));
  const fields = [{ id: "field-1", crop: "maize", areaMu: 200, center: { lat: 41.812, lon: 120.785 } }];
  const nodes = [
    ...stores.map((s) => ({ id: s.id, devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 60, subject: s.id }] })),
    ...piles.map((p) => ({ id: p.id, devices: [{ id: "probes", unit: 1, map: "pt100-4ch", every: 300, subject: p.id, bind: { t1: "core", t2: "envelope", t3: "base", t4: "ambient" } }] })),
    ...tankers.map((t) => ({ id: t.id, devices: [{ id: "scale", unit: 1, map: "load-cell", every: 30, subject: t.id, bind: { weight: "weight" } }], gps: { tanker: t.id } })),
  ];
  const events: Scenario["events"] = [];
  for (let d = 2; d < DAYS; d += 3)
    for (const t of tankers) events.push({ at: `P${d}DT${8 + Number(t.id.slice(-1))}H`, type: "tankerTrip", tanker: t.id, store: "pit-1", volumeM3: 10, to: "field-1" });
  for (let d = 7; d < DAYS; d += 5) for (const p of piles.slice(0, 2)) events.push({ at: `P${d}D`, type: "turn", pile: p.id });
  return {
    name: "bench-10-nodes",
    start: "2026-06-01T00:00:00+08:00",
    duration: `P${DAYS}D`,
    climate: "ne-china-semiarid",
    step,
    trace: "PT10M",
    farm: { id: "bench", nodes, stores, piles, tankers, fields },
    events,
  };
}

async function baseline(ticks: number, stepMs: number): Promise<number> {
  const clock = new VirtualClock({ start: 0, yieldEvery: 5000 });
  let n = 0;
  clock.setInterval(() => n++, stepMs);
  const t0 = performance.now();
  await clock.runUntil(ticks * stepMs);
  if (n !== ticks) throw new Error(`baseline fired ${n} ticks, expected ${ticks}`);
  return performance.now() - t0;
}

interface Row {
  case: string;
  ticks: number;
  wallMs: number;
}

// Warm the JIT up first so the first measured case is not penalised.
await baseline(50_000, 60_000);
await runScenario({ ...tenNodeFarm("PT1M"), duration: "P2D", events: [] }, { seed: 2 });

const rows: Row[] = [];
for (const [step, stepMs] of [
  ["PT1M", 60_000],
  ["PT10S", 10_000],
] as const) {
  const ticks = (DAYS * DAY) / stepMs;
  rows.push({ case: `empty VirtualClock, ${step} ticks (baseline)`, ticks, wallMs: await baseline(ticks, stepMs) });
  const r = await runScenario(tenNodeFarm(step), { seed: 1 });
  rows.push({ case: `10-node farm physics, step ${step}`, ticks: r.steps, wallMs: r.wallMs });
}

const simS = (DAYS * DAY) / 1000;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
console.log(`\nhil-sim: ${DAYS} farm days, physics only (Node ${process.version})\n`);
console.log(`${pad("case", 44)} ${lpad("ticks", 9)} ${lpad("wall s", 8)} ${lpad("sim s / wall s", 15)} ${lpad("30 d in", 9)}`);
for (const r of rows) {
  const rate = simS / (r.wallMs / 1000);
  console.log(
    `${pad(r.case, 44)} ${lpad(String(r.ticks), 9)} ${lpad((r.wallMs / 1000).toFixed(3), 8)} ${lpad(Math.round(rate).toLocaleString("en"), 15)} ${lpad(((30 * 86_400) / rate).toFixed(2) + " s", 9)}`,
  );
}
const main = rows.find((r) => r.case.includes("farm physics, step PT1M"))!;
const thirtyDays = ((30 * 86_400) / (simS / (main.wallMs / 1000))).toFixed(2);
console.log(`\ntarget: 30 farm days < 60 s → ${thirtyDays} s at a 1 min step: ${Number(thirtyDays) < 60 ? "met" : "NOT met"}`);
