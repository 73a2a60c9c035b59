import { pointWidth } from "@manure-edge/protocol";
import { systemClock } from "../clock/system";
import { loadScenario } from "../scenario/load";
import { createSimulation, type Simulation } from "../scenario/simulation";
import { ServeSession, type ServeEndpoints } from "../serve/session";
import { NodeSensors } from "../slaves/node-sensors";
import { parseServeArgs, SERVE_USAGE } from "./serve-args";

export interface ServeIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Called once the endpoints are up and the physics is running (tests). */
  onReady?: (ready: { endpoints: ServeEndpoints; sim: Simulation; sensors: NodeSensors; stop: () => void }) => void;
  /** Listen for SIGINT/SIGTERM to stop. Default true. */
  handleSignals?: boolean;
}

const defaultIo: ServeIo = {
  out: (l) => process.stdout.write(l + "\n"),
  err: (l) => process.stderr.write(l + "\n"),
};

/**
 * `farm-sim serve <scenario> --tcp HOST:PORT --pty PATH ...`: the simulated sensors of one
 * node's bus, served to real masters (mbpoll, the gateway's modbus-serial client) with values
 * from the scenario's physics running in real time or N times faster. Returns the exit code:
 * 0 after a clean stop, 2 for bad arguments or a bad scenario, 1 when an endpoint fails.
 */
export async function serveCommand(argv: readonly string[], io: ServeIo = defaultIo): Promise<number> {
  let args;
  let sim: Simulation;
  let sensors: NodeSensors;
  try {
    args = parseServeArgs(argv);
    const scenario = loadScenario(args.scenario);
    sim = createSimulation(scenario, { seed: args.seed ?? 1, speed: args.speed === 1 ? "realtime" : args.speed });
    const nodes = scenario.farm.nodes;
    const node = args.node === undefined ? nodes.find((n) => n.devices.length > 0) : nodes.find((n) => n.id === args!.node);
    if (!node) {
      throw new Error(
        args.node === undefined ? `scenario ${scenario.name} has no node with devices` : `no node "${args.node}" in ${scenario.name} (nodes: ${nodes.map((n) => n.id).join(", ")})`,
      );
    }
    sensors = new NodeSensors(node, sim.farm, sim.clock, sim.seed);
  } catch (e) {
    io.err(`farm-sim serve: ${(e as Error).message}`);
    io.err(SERVE_USAGE);
    return 2;
  }

  const session = new ServeSession([...sensors.devices.values()], { tcp: args.tcp, pty: args.pty, wall: systemClock });
  let endpoints: ServeEndpoints;
  try {
    endpoints = await session.start();
  } catch (e) {
    io.err(`farm-sim serve: ${(e as Error).message}`);
    return 1;
  }
  sim.onEvent("sensorFault", (ev, t) => {
    if (ev.type === "sensorFault" && ev.node === sensors.node.id) sensors.applyFault(ev, t);
  });

  io.out(`serving node ${sensors.node.id} of scenario ${sim.scenario.name} (seed ${String(sim.seed)}, ${args.speed === 1 ? "real time" : `×${args.speed}`})`);
  if (endpoints.tcp) io.out(`tcp ${endpoints.tcp.host}:${endpoints.tcp.port}`);
  if (endpoints.pty) io.out(`pty ${endpoints.pty}`);
  for (const d of sensors.node.devices) {
    const dev = sensors.device(d.id);
    for (const p of dev.map.points) {
      const fc = { coil: 1, discrete: 2, holding: 3, input: 4 }[p.table];
      const width = p.table === "coil" || p.table === "discrete" ? 1 : pointWidth(p.type);
      io.out(`  unit ${d.unit} ${d.id}.${p.name}: FC ${fc} address ${p.address} (mbpoll -a ${d.unit} -r ${p.address + 1} -c ${width}) ${p.type} × ${p.scale ?? 1} ${p.unit ?? ""} ← ${d.subject}`);
    }
  }

  let stopped = false;
  let release = () => {};
  const stoppedP = new Promise<void>((r) => (release = r));
  const stop = () => {
    stopped = true;
    sim.clock.stop();
    release();
  };
  const onSignal = () => stop();
  if (io.handleSignals ?? true) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  const timer = args.forSeconds === undefined ? undefined : setTimeout(stop, args.forSeconds * 1000);
  sim.begin();
  try {
    io.onReady?.({ endpoints, sim, sensors, stop });
    await sim.clock.runUntil(sim.end);
    if (!stopped) {
      io.out(`scenario ended at ${new Date(sim.clock.now()).toISOString()}: values frozen, still serving`);
      // Keep answering with the final values until stopped.
      await stoppedP;
    }
  } finally {
    if (timer) clearTimeout(timer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await session.stop();
  }
  io.out("stopped");
  return 0;
}
