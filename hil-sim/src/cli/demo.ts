/**
 * `npm start`: the demo farm. hil-sim's physics and Modbus sensors, three nodes running the
 * real firmware bundle (firmware/dist/firmware.js) in the Espruino runtime, and the gateway
 * (embedded MQTT broker, SQLite under ./data/demo, rules engine, HTTP API and panel) on one
 * accelerated virtual clock. A progress line every few seconds; Ctrl-C stops cleanly.
 *
 *   npm start [-- --speed 1800] [--seed 1] [--port 8080] [--host 127.0.0.1] [--scenario demo-farm]
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "@manure-edge/gateway";
import { loadScenario } from "../scenario/load";
import { Rig } from "../rig/rig";
import { ensureFirmwareBundle, REPO_ROOT } from "../rig/firmware-bundle";
import { progressLine } from "../rig/progress";

const DEMO_USER = { name: "demo", password: "demo-farm-2026", role: "operator" as const };

async function main(): Promise<number> {
  const { values: o } = parseArgs({
    options: {
      speed: { type: "string", default: "1800" },
      seed: { type: "string", default: "1" },
      port: { type: "string", default: "8080" },
      host: { type: "string", default: "127.0.0.1" },
      scenario: { type: "string", default: "demo-farm" },
      every: { type: "string", default: "5" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (o.help) {
    process.stdout.write("npm start [-- --speed N (virtual seconds per wall second, default 1800)] [--seed S] [--port 8080] [--host 127.0.0.1] [--scenario demo-farm] [--every 5 (s between progress lines)]\n");
    return 0;
  }
  const speed = Number(o.speed);
  if (!(speed > 0)) throw new Error(`--speed must be a number > 0, got ${o.speed}`);
  const port = Number(o.port);
  const say = (s: string) => process.stdout.write(s + "\n");

  const t0 = performance.now();
  ensureFirmwareBundle(say);
  const dataDir = resolve(REPO_ROOT, "data", "demo");
  // Every demo run starts the farm from day 0 with nodes at boot 1: an old database would take
  // their messages for duplicates. The demo's data is scratch.
  if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  const scenario = loadScenario(o.scenario!);
  const rig = new Rig(scenario, {
    seed: o.seed, speed, dataDir,
    http: { host: o.host!, port },
    log: createLogger("warn"),
  });
  await rig.startRig();
  const gw = rig.gateway;
  gw.store.addUser(DEMO_USER.name, DEMO_USER.password, DEMO_USER.role);
  const httpPort = gw.http?.port ?? 0;
  say(`manure-edge demo farm "${scenario.name}": ${scenario.farm.nodes.length} nodes running firmware/dist/firmware.js, time ×${speed} (seed ${o.seed})`);
  say(`  database  ${join(dataDir, "gateway.db")}`);
  say(`  broker    mqtt://127.0.0.1:${gw.mqttPort} (embedded)`);
  if (httpPort > 0) {
    const shown = o.host === "0.0.0.0" ? "localhost" : o.host;
    say(`  panel     http://${shown}:${httpPort}/   (API http://${shown}:${httpPort}/api/v1/health)`);
    say(`  login     ${DEMO_USER.name} / ${DEMO_USER.password}   (operator)`);
  } else say(`  panel     NOT served: the HTTP port ${port} could not be opened (see the warning above); the farm runs anyway`);
  say(`  started in ${((performance.now() - t0) / 1000).toFixed(1)} s; Ctrl-C stops`);

  let stopping = false;
  const wall0 = performance.now();
  const virt0 = rig.clock.now();
  const timer = setInterval(() => {
    const rate = (rig.clock.now() - virt0) / Math.max(1, performance.now() - wall0);
    say(progressLine(rig) + ` · ×${Math.round(rate)}`);
  }, Math.max(1, Number(o.every)) * 1000);
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say("stopping…");
    rig.clock.stop();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await rig.run();
    if (!stopping) say(`the scenario has ended: ${progressLine(rig)}`);
  } finally {
    clearInterval(timer);
    await rig.stop();
  }
  say("stopped");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`demo: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
