/**
 * How fast the whole rig runs farm time: physics, the byte-level RS485 buses, the firmware
 * bundle in one Espruino runtime per node, MQTT through the tap to the gateway's embedded
 * broker, SQLite and the rules engine, all on one VirtualClock (what `npm start` and the e2e
 * tests run). Baseline, measured in the same run: the same scenario's physics alone.
 *
 * The "I/O wait" column is the wall time the clock spent holding still for real sockets (a
 * message on its way to the broker and its answer back). It was 78 % of the wall time before
 * the embedded broker turned Nagle's algorithm off (gateway/src/mqtt/embedded-broker.ts).
 *
 *   npx tsx hil-sim/bench/rig-speed.ts [hours]    (default 6 farm hours)
 */
import { Rig } from "../src/rig/rig";
import { loadScenario } from "../src/scenario/load";
import { runScenario } from "../src/scenario/simulation";

const HOURS = Number(process.argv[2] ?? 6);
const HOUR = 3_600_000;
const SCENARIO = "healthy-farm-60d";

interface Row {
  case: string;
  wallMs: number;
  ioWaitMs: number | null;
}

async function physicsOnly(): Promise<Row> {
  const r = await runScenario(loadScenario(SCENARIO), { seed: 7, until: HOURS * HOUR });
  return { case: `${SCENARIO}: physics only (baseline)`, wallMs: r.wallMs, ioWaitMs: null };
}

async function wholeRig(): Promise<Row> {
  const rig = new Rig(loadScenario(SCENARIO), { seed: 7 });
  try {
    await rig.startRig();
    const t0 = performance.now();
    await rig.run(HOURS * HOUR);
    const wallMs = performance.now() - t0;
    if (rig.clock.stats.ioWaitTimeouts > 0) throw new Error(`the clock gave up on real I/O ${rig.clock.stats.ioWaitTimeouts} times`);
    const nodes = rig.nodes.size;
    return { case: `${SCENARIO}: whole rig, ${nodes} nodes`, wallMs, ioWaitMs: rig.clock.stats.ioWaitWallMs };
  } finally {
    await rig.stop();
  }
}

// Warm-up: JIT, the firmware bundle built if it is missing.
await runScenario(loadScenario(SCENARIO), { seed: 1, until: HOUR });

const rows = [await physicsOnly(), await wholeRig()];

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
console.log(`\nhil-sim: ${HOURS} farm hours of ${SCENARIO} (Node ${process.version})\n`);
console.log(`${pad("case", 44)} ${lpad("wall s", 8)} ${lpad("I/O wait", 9)} ${lpad("farm s / wall s", 16)} ${lpad("60 d in", 9)}`);
for (const r of rows) {
  const rate = (HOURS * 3600) / (r.wallMs / 1000);
  const io = r.ioWaitMs === null ? "–" : `${Math.round((100 * r.ioWaitMs) / r.wallMs)} %`;
  const sixty = (60 * 86_400) / rate;
  console.log(
    `${pad(r.case, 44)} ${lpad((r.wallMs / 1000).toFixed(2), 8)} ${lpad(io, 9)} ${lpad(Math.round(rate).toLocaleString("en"), 16)} ${lpad(sixty >= 120 ? (sixty / 60).toFixed(1) + " min" : sixty.toFixed(1) + " s", 9)}`,
  );
}
