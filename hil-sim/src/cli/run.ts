import { writeFileSync } from "node:fs";
import { formatDuration, parseDuration } from "../clock/duration";
import { loadScenario } from "../scenario/load";
import { createSimulation, type RunResult, type Speed } from "../scenario/simulation";
import { parseArgs } from "./args";

export const RUN_USAGE = `farm-sim run <scenario name or file> [options]

  --speed N        run N× faster than real time (1 = real time)
  --realtime       run in real time (same as --speed 1)
  --max            as fast as possible (default)
  --seed S         seed of every random stream (default 1)
  --until P30D     stop this long after the start (default: the scenario's duration)
  --trace FILE     write the physics trace (JSON) to FILE
  --json           print the result as JSON instead of a summary
`;

interface Out {
  log(line: string): void;
  progress(line: string): void;
}

const consoleOut: Out = {
  log: (line) => process.stdout.write(line + "\n"),
  progress: (line) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
    else process.stderr.write(line + "\n");
  },
};

/** `farm-sim run`: runs a scenario's physics and prints progress and a summary. Returns the exit code. */
export async function runCommand(argv: string[], out: Out = consoleOut): Promise<number> {
  const args = parseArgs(argv, ["speed", "seed", "until", "trace"]);
  if (args.options.has("help") || args.positional.length !== 1) {
    out.log(RUN_USAGE);
    return args.options.has("help") ? 0 : 2;
  }
  let speed: Speed = "max";
  if (args.options.has("realtime")) speed = "realtime";
  const sp = args.options.get("speed");
  if (sp !== undefined) {
    const n = Number(sp);
    if (!(n > 0)) throw new Error(`--speed must be a number > 0, got ${String(sp)}`);
    speed = n;
  }
  const seedOpt = args.options.get("seed");
  const seed = seedOpt === undefined || seedOpt === true ? 1 : /^-?\d+$/.test(seedOpt) ? Number(seedOpt) : seedOpt;
  const until = args.options.get("until");
  if (until !== undefined && typeof until !== "string") throw new Error("--until needs a duration such as P30D");
  if (until !== undefined) parseDuration(until);

  const scenario = loadScenario(args.positional[0]);
  const sim = createSimulation(scenario, { seed, speed, yieldEvery: speed === "max" ? 5000 : 1 });
  const end = until !== undefined ? Math.min(sim.end, sim.start + parseDuration(until)) : sim.end;
  const wall0 = performance.now();
  let lastPrint = -Infinity;
  const firstStore = sim.farm.stores.keys().next().value as string | undefined;
  const firstPile = sim.farm.piles.keys().next().value as string | undefined;
  const result = await sim.run({
    until: end - sim.start,
    onTick: (t) => {
      const now = performance.now();
      if (now - lastPrint < 500 && t < end) return;
      lastPrint = now;
      const simS = (t - sim.start) / 1000;
      const wallS = (now - wall0) / 1000;
      const parts = [
        `${scenario.name} day ${((t - sim.start) / 86_400_000).toFixed(2)}/${((end - sim.start) / 86_400_000).toFixed(0)}`,
        `×${wallS > 0 ? Math.round(simS / wallS) : "∞"}`,
        `air ${sim.farm.quantity("weather", "temperature").toFixed(1)} °C`,
      ];
      if (firstStore) parts.push(`${firstStore} ${sim.farm.quantity(firstStore, "level").toFixed(3)} m`);
      if (firstPile) parts.push(`${firstPile} core ${sim.farm.quantity(firstPile, "core").toFixed(1)} °C`);
      out.progress(parts.join("  "));
    },
  });
  if (process.stderr.isTTY && out === consoleOut) process.stderr.write("\n");
  const tracePath = args.options.get("trace");
  if (typeof tracePath === "string") writeFileSync(tracePath, JSON.stringify(result.trace));
  if (args.options.has("json")) out.log(JSON.stringify({ ...result, trace: undefined }, null, 2));
  else for (const line of summary(result)) out.log(line);
  return result.expectations.some((e) => e.status === "fail") ? 1 : 0;
}

const KEY_QUANTITIES: Record<string, string[]> = {
  weather: ["temperature", "rainTotal"],
  "slurry-store": ["level", "freeboard", "inflowTotal", "rainTotal", "leakedTotal", "pumpedTotal", "spilledTotal"],
  "compost-pile": ["core", "envelope", "base", "coolest", "substrate", "turnings"],
  tanker: ["trips", "dischargedTotal", "odometer"],
};

/** The human summary printed at the end of a run. */
export function summary(r: RunResult): string[] {
  const simMs = r.end - r.start;
  const lines = [
    `scenario ${r.name}  seed ${String(r.seed)}`,
    `ran ${formatDuration(simMs)} of farm time (${r.steps} steps) in ${(r.wallMs / 1000).toFixed(2)} s: ${Math.round(simMs / Math.max(r.wallMs, 1))} simulated s per wall s`,
    `trace ${r.trace.rows.length} rows × ${r.trace.columns.length} columns, sha256 ${r.traceHash}`,
    "final state:",
  ];
  for (const [subject, q] of Object.entries(r.final)) {
    const kind = subject === "weather" ? "weather" : "state" in q ? "tanker" : "core" in q ? "compost-pile" : "slurry-store";
    const shown = (KEY_QUANTITIES[kind] ?? Object.keys(q)).map((k) => `${k} ${fmt(q[k])}`);
    lines.push(`  ${subject.padEnd(10)} ${shown.join(", ")}`);
  }
  for (const [tanker, ds] of Object.entries(r.discharges))
    for (const d of ds)
      lines.push(`  ${tanker} discharged ${fmt(d.tonnes)} t at day ${fmt((d.end - r.start) / 86_400_000)} on ${d.field ?? "NO REGISTERED FIELD"}`);
  const unhandled = r.events.filter((e) => !e.handled);
  lines.push(`events: ${r.events.length} fired, ${unhandled.length} not simulated here (no listener: node/bus/network layers not attached)`);
  for (const e of unhandled) lines.push(`  day ${fmt((e.t - r.start) / 86_400_000)} ${e.event.type} ${JSON.stringify(e.event)}`);
  if (r.clock.ioWaits > 0 || r.clock.ioWaitTimeouts > 0)
    lines.push(`clock: waited for real I/O ${r.clock.ioWaits} times, ${r.clock.ioWaitTimeouts} waits ran out (${r.clock.ioAbandoned} messages presumed lost)`);
  lines.push("expectations:");
  for (const e of r.expectations) lines.push(`  ${e.status.toUpperCase().padEnd(8)} ${JSON.stringify(e.expect)}  ${e.detail}`);
  const count = (s: string) => r.expectations.filter((e) => e.status === s).length;
  lines.push(`${count("pass")} passed, ${count("fail")} failed, ${count("deferred")} deferred to the gateway integration`);
  return lines;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}
