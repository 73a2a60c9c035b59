import type { Clock } from "@manure-edge/protocol";
import { Rs485Bus } from "../bus/rs485-bus";
import type { LineConfig } from "../bus/line-config";
import { GpsEmitter, positionFromModel } from "../gps/gps-emitter";
import type { FarmPhysics } from "../physics/farm";
import type { Seed } from "../rng";
import type { NodeEvent, NodeSpec, ScenarioEvent } from "../scenario/types";
import { COMMISSIONED } from "./device-defaults";
import { FaultInjector } from "./faults";
import { loadMapJson } from "./maps";
import { quantitySource } from "./quantity-source";
import { RtuSlave } from "./rtu-slave";
import { SimSlave } from "./sim-slave";

export interface NodeSensorsOptions {
  /** Character format of the node's RS485 bus. Default 9600 8N1. */
  line?: LineConfig;
  /** Slaves' turnaround, ms. Default [5, 20] drawn per reply. */
  turnaroundMs?: number | [number, number];
}

/**
 * The sensors of one node as a scenario describes them (NodeSpec): a SimSlave per device,
 * reading its physics subject through `bind`, each answering on the node's byte-level RS485
 * bus; and the GPS receiver on its own UART if the node has one. Seeds derive from the run's
 * seed, the node and the device, so adding a device never changes another's noise.
 *
 * The Espruino runtime wires Serial2 to `bus.attachMaster(...)` and Serial3 to
 * `gps.line.attach("node", ...)`.
 */
export class NodeSensors {
  readonly bus: Rs485Bus;
  /** By device id. */
  readonly devices = new Map<string, SimSlave>();
  /** By device id: the serial side, with its fault injector (`ports.get(id).faults`). */
  readonly ports = new Map<string, RtuSlave>();
  readonly gps: GpsEmitter | undefined;

  constructor(
    readonly node: NodeSpec,
    farm: FarmPhysics,
    clock: Clock,
    seed: Seed,
    opts: NodeSensorsOptions = {},
  ) {
    this.bus = new Rs485Bus(clock, { ...(opts.line ?? { baud: 9600 }), seed: `${seed}/${node.id}/bus` });
    for (const d of node.devices) {
      if (this.devices.has(d.id)) throw new Error(`node ${node.id}: two devices with id "${d.id}"`);
      const dev = new SimSlave(d.unit, loadMapJson(d.map), quantitySource(farm.model(d.subject), d.bind), {
        clock: this.bus.clock,
        seed: `${seed}/${node.id}/${d.id}`,
        noise: d.noise,
        constants: COMMISSIONED[d.map],
      });
      this.devices.set(d.id, dev);
      const port = new RtuSlave(this.bus, dev, {
        turnaroundMs: opts.turnaroundMs ?? [5, 20],
        seed: `${seed}/${node.id}/${d.id}/turnaround`,
        faults: new FaultInjector({ seed: `${seed}/${node.id}/${d.id}/faults` }),
        name: `${node.id}/${d.id}`,
      });
      this.ports.set(d.id, port);
    }
    this.gps = node.gps ? new GpsEmitter(clock, { position: positionFromModel(farm.model(node.gps.tanker)) }) : undefined;
  }

  start(): void {
    for (const p of this.ports.values()) p.start();
    this.gps?.start();
  }

  stop(): void {
    for (const p of this.ports.values()) p.stop();
    this.gps?.stop();
  }

  device(id: string): SimSlave {
    const d = this.devices.get(id);
    if (!d) throw new Error(`node ${this.node.id}: no device "${id}" (known: ${[...this.devices.keys()].join(", ")})`);
    return d;
  }

  /**
   * Applies a scenario's sensorFault event: unplugged (the map's sentinel), stuck (at `value`
   * or the last value), drift (`value` units per day from now), dead (device without power),
   * clear (all of these undone). Without `point`, every point of the device.
   */
  applyFault(ev: Extract<NodeEvent, { type: "sensorFault" }>, t: number): void {
    const dev = this.device(ev.device);
    const points = ev.point ? [dev.point(ev.point)] : dev.map.points.map((p) => dev.point(p.name));
    switch (ev.fault) {
      case "unplugged":
        for (const p of points) p.unplugged = true;
        return;
      case "stuck":
        for (const p of points) p.stick(ev.value);
        return;
      case "drift":
        for (const p of points) p.drift(ev.value ?? 0, t);
        return;
      case "dead":
        dev.powerOff();
        return;
      case "clear":
        for (const p of points) {
          p.unplugged = false;
          p.unstick();
          p.drift(0, t);
        }
        dev.powerOn();
        return;
    }
  }
}

/** What NodeSensors needs from a Simulation (scenario/simulation.ts). */
export interface SimulationLike {
  readonly scenario: { farm: { nodes: NodeSpec[] } };
  readonly farm: FarmPhysics;
  readonly clock: Clock;
  readonly seed: Seed;
  onEvent(type: string, fn: (event: ScenarioEvent, t: number) => void): () => void;
}

/**
 * Builds and starts the sensors of every node of a simulation and routes its sensorFault
 * events to them. Returns them by node id; stop() each when done.
 */
export function attachSensors(sim: SimulationLike, opts: NodeSensorsOptions = {}): Map<string, NodeSensors> {
  const out = new Map<string, NodeSensors>();
  for (const n of sim.scenario.farm.nodes) {
    const s = new NodeSensors(n, sim.farm, sim.clock, sim.seed, opts);
    s.start();
    out.set(n.id, s);
  }
  sim.onEvent("sensorFault", (ev, t) => {
    if (ev.type !== "sensorFault") return;
    const s = out.get(ev.node);
    if (!s) throw new Error(`sensorFault for unknown node "${ev.node}"`);
    s.applyFault(ev, t);
  });
  return out;
}
