import { decodePoint, Q, pointWidth, type PointDef } from "@manure-edge/protocol";
import { createRulesEngine, type AlertTransition, type FarmEvent, type LedgerEntry, type RuleReading } from "@manure-edge/gateway";
import type { Seed } from "../rng";
import { NodeSensors } from "../slaves/node-sensors";
import { evaluateAlertExpectations, type AlertExpectationResult } from "./alert-match";
import { facilitiesFromScenario } from "./facilities";
import { createSimulation } from "./simulation";
import type { Scenario } from "./types";

export interface ReplayOptions {
  seed?: Seed;
  /** Stop at this offset (ISO 8601 duration) instead of the scenario's end. */
  until?: string;
  /** Hand readings to the engine every this many ms of data time. Default 1 h. */
  batchMs?: number;
}

export interface ReplayResult {
  transitions: AlertTransition[];
  ledger: LedgerEntry[];
  results: AlertExpectationResult[];
  readings: number;
  counters: Record<string, number>;
}

/**
 * The physics-level proof that the gateway's rules see on the simulated farm what each scenario
 * expects: no firmware, no bus, no broker. For every node, the scenario's devices are the same
 * SimSlaves the rig puts on the bus (noise, seeds, sensor faults), and every `every` seconds each
 * measuring point is READ through its register map (SimSlave.read: physics value + noise →
 * writePoint, so the map's scale quantises and saturates) and DECODED with protocol's
 * decodePoint, as the firmware's poller does; an unplugged probe gives the map's sentinel
 * (SENSOR_FAULT), a dead device a MODBUS_ERROR reading with no value (the poller's timeout).
 * Sensor keys are "<node>/<device>.<point>"; the tanker node's readings carry the GPS position
 * (fix 0 where the tanker model has no fix).
 *
 * Node events: `powerLoss` stops the node's polling until `powerRestore`; `linkDown` holds its
 * readings until `linkUp` and then delivers them all (they reach the engine late, as a
 * reconnecting node's backlog does). Operator events: `turn` is logged as a `turning` event
 * (a farm that turns its piles records it); pump-outs and tanker trips are NOT logged (the
 * scenarios about them test what the rules infer).
 *
 * The readings and events go to `createRulesEngine(facilitiesFromScenario(scenario))` in
 * batches of `batchMs` of data time, then the engine is flushed and the scenario's alert
 * expectations are evaluated with evaluateAlertExpectations.
 */
export async function replayThroughRules(scenario: Scenario, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const sim = createSimulation(scenario, { seed: opts.seed ?? 1, speed: "max", yieldEvery: 100_000 });
  const engine = createRulesEngine(facilitiesFromScenario(scenario));
  const transitions: AlertTransition[] = [];
  const ledger: LedgerEntry[] = [];
  let readings: RuleReading[] = [];
  let events: FarmEvent[] = [];
  let count = 0;

  interface Poll { node: string; dev: string; every: number; next: number; points: PointDef[]; sensors: NodeSensors; gpsTanker?: string }
  const polls: Poll[] = [];
  const nodes = new Map<string, NodeSensors>();
  for (const n of scenario.farm.nodes) {
    const ns = new NodeSensors(n, sim.farm, sim.clock, sim.seed);
    nodes.set(n.id, ns);
    for (const d of n.devices) {
      const slave = ns.devices.get(d.id)!;
      const model = sim.farm.model(d.subject);
      const bound = new Set(Object.keys(d.bind ?? {}));
      const points = slave.map.points.filter((p) => p.table !== "coil" && p.type !== "bool" && (bound.has(p.name) || (!d.bind?.[p.name] && p.name in model.quantities)));
      polls.push({ node: n.id, dev: d.id, every: d.every * 1000, next: sim.start, points, sensors: ns, gpsTanker: n.gps?.tanker });
    }
  }
  const off = new Set<string>();
  const held = new Map<string, RuleReading[]>();
  sim.onEvent("sensorFault", (ev, t) => {
    if (ev.type === "sensorFault") nodes.get(ev.node)!.applyFault(ev, t);
  });
  sim.onEvent("powerLoss", (ev) => "node" in ev && off.add(ev.node));
  sim.onEvent("powerRestore", (ev) => "node" in ev && off.delete(ev.node));
  sim.onEvent("linkDown", (ev) => "node" in ev && !held.has(ev.node) && held.set(ev.node, []));
  sim.onEvent("linkUp", (ev) => {
    if (!("node" in ev)) return;
    readings.push(...(held.get(ev.node) ?? []));
    held.delete(ev.node);
  });
  sim.onEvent("turn", (ev, t) => {
    if (ev.type === "turn") events.push({ t, facility: ev.pile, kind: "turning" });
  });

  const read = (p: Poll, pt: PointDef): { v: number | null; q: number } => {
    const slave = p.sensors.devices.get(p.dev)!;
    if (!slave.powered) return { v: null, q: Q.MODBUS_ERROR };
    try {
      const regs = slave.read(pt.table, pt.address, pointWidth(pt.type));
      const r = decodePoint(pt, regs, pt.address);
      return { v: r.value, q: r.flags };
    } catch {
      return { v: null, q: Q.MODBUS_ERROR };
    }
  };
  const batchMs = opts.batchMs ?? 3_600_000;
  let nextBatch = sim.start + batchMs;
  const flushBatch = () => {
    const r = engine.process({ readings, events });
    count += readings.length;
    transitions.push(...r.transitions);
    ledger.push(...r.ledger);
    readings = [];
    events = [];
  };
  sim.onStep((t) => {
    for (const p of polls) {
      while (p.next <= t) {
        const at = p.next;
        p.next += p.every;
        if (off.has(p.node)) continue;
        let pos: [number, number, number] | undefined;
        if (p.gpsTanker) {
          const tk = sim.farm.model(p.gpsTanker);
          pos = [tk.quantity("lat"), tk.quantity("lon"), tk.quantity("gpsFix") > 0 ? 1 : 0];
        }
        for (const pt of p.points) {
          const { v, q } = read(p, pt);
          const r: RuleReading = { sensor: `${p.node}/${p.dev}.${pt.name}`, t: at, v, q, ...(pos ? { pos } : {}) };
          (held.get(p.node) ?? readings).push(r);
        }
      }
    }
    if (t >= nextBatch) {
      flushBatch();
      nextBatch += batchMs;
    }
  });
  await sim.run(opts.until ? { until: opts.until } : {});
  flushBatch();
  const last = engine.flush();
  transitions.push(...last.transitions);
  ledger.push(...last.ledger);
  const results = evaluateAlertExpectations(scenario, { transitions, ledger });
  return { transitions, ledger, results, readings: count, counters: { ...engine.state().counters } };
}
