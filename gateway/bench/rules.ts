/**
 * Rules engine throughput: 50 000 readings of a synthetic farm (store, pile, tanker, with
 * faults so that alerts open and close), against a baseline measured in the same run: a loop
 * that only copies and sorts the same readings by time. Run: npx tsx gateway/bench/rules.ts
 */
import { createRulesEngine } from "../src/rules/index";
import { synthFarm } from "../src/rules/testing/synth";
import { fileURLToPath } from "node:url";
import type { RuleReading } from "../src/rules/types";

export function benchRules(N = 50_000): void {
  const s = synthFarm({
    seed: 1, days: 9,
    store: { leakMmD: 6, dump: { day: 5, hour: 14, m: 0.1 } },
    pile: { overheat: { day: 6, hours: 8, addC: 12 } },
    tanker: { roadDischargeDay: 3 },
  });
  const readings = s.readings.slice(0, N);
  const lastT = readings[readings.length - 1]!.t;
  const events = s.events.filter((e) => e.t <= lastT);

  function time(fn: () => unknown, reps = 5): number {
    fn(); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      fn();
      ms.push(performance.now() - t0);
    }
    return ms.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
  }

  function inBatches(size: number) {
    return () => {
      const e = createRulesEngine(s.config);
      let n = 0;
      for (let i = 0; i < readings.length; i += size) {
        const r = e.process({ readings: readings.slice(i, i + size), events: i === 0 ? events : [] });
        n += r.transitions.length;
      }
      return n + e.flush().transitions.length;
    };
  }

  const rows: [string, number][] = [
    ["baseline: copy + sort by time", time(() => readings.slice().sort((a: RuleReading, b: RuleReading) => a.t - b.t || (a.sensor < b.sensor ? -1 : 1)))],
    ["engine: one batch", time(inBatches(N))],
    ["engine: batches of 500", time(inBatches(500))],
    ["engine: batches of 20 (live)", time(inBatches(20))],
    ["engine: one reading per batch", time(inBatches(1), 3)],
  ];
  const e = createRulesEngine(s.config);
  e.process({ readings, events });
  const snapMs = time(() => JSON.stringify(e.snapshot()));
  const snapKb = JSON.stringify(e.snapshot()).length / 1024;

  console.log(`rules engine, ${readings.length} readings (${((lastT - readings[0]!.t) / 86_400_000).toFixed(1)} days of one store, one pile, one tanker), median of 5 runs`);
  console.log("| case | ms | readings/s | × baseline |");
  console.log("|---|---:|---:|---:|");
  const base = rows[0]![1];
  for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(1)} | ${Math.round((readings.length / ms) * 1000).toLocaleString("en")} | ${(ms / base).toFixed(1)} |`);
  console.log(`| snapshot to JSON (${snapKb.toFixed(0)} KiB) | ${snapMs.toFixed(1)} | | |`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) benchRules(Number(process.env.BENCH_RULES_READINGS ?? 50_000));
