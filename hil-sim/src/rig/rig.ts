import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Gateway, createEngineSink, hashSecret, parseConfig, silentLogger, type EngineSink, type Logger } from "@manure-edge/gateway";
import { parseDuration } from "../clock/duration";
import type { IoGuard } from "../clock/io-guard";
import { EspruinoRuntime } from "../espruino/runtime";
import { FlashStorage, binToBytes } from "../espruino/flash";
import { VirtualNetwork } from "../espruino/net";
import { WifiAccessPoint } from "../espruino/wifi";
import { transceiverPort } from "../espruino/uart";
import { createSimulation, type Simulation, type Speed } from "../scenario/simulation";
import { attachSensors, type NodeSensors } from "../slaves/node-sensors";
import type { Scenario } from "../scenario/types";
import { facilitiesFromScenario, type FacilitiesJson } from "../scenario/facilities";
import { GATEWAY_LAN, WIFI, nodeConfigFor, nodePassword } from "./node-config";
import { MqttTap } from "./mqtt-tap";
import { evaluateExpectations, type GatewayExpectationResult } from "./expectations";
import { ensureFirmwareBundle } from "./firmware-bundle";

export interface RigOptions {
  seed?: number | string;
  speed?: Speed;
  /** SQLite directory; default a fresh temp dir removed by stop(). */
  dataDir?: string;
  /** Start the gateway's HTTP server here (port 0 = any); default: not served to the outside (127.0.0.1:0). */
  http?: { host: string; port: number };
  /** The firmware bundle text; default firmware/dist/firmware.js (built if missing or outdated). */
  bundle?: string;
  /** Gateway log; default silent. */
  log?: Logger;
  /** Node ids whose link starts down (a backlog to be drained later with linkUp). */
  linkDownAtStart?: string[];
  /** Run the rules engine (default true). */
  rules?: boolean;
  /** Wall ms the clock waits for real I/O before giving a message up (VirtualClock ioWaitLimitMs). */
  ioWaitLimitMs?: number;
  /** SQLite synchronous mode of the gateway's store; default NORMAL. */
  synchronous?: "FULL" | "NORMAL";
  /** Timers between two yields to Node's event loop (VirtualClock yieldEvery); default 200. */
  yieldEvery?: number;
}

export interface RigNode {
  id: string;
  sensors: NodeSensors;
  runtime: EspruinoRuntime;
  flash: FlashStorage;
  network: VirtualNetwork;
  ap: WifiAccessPoint;
  powered: boolean;
  powerLosses: number;
}

export interface StoredReading {
  node: string;
  key: string;
  t: number;
  value: number | null;
  flags: number;
  boot: number;
  seq: number;
}

export interface StoredTransition {
  rule: string;
  subject: string;
  facility: string | null;
  severity: string;
  from: string | null;
  to: string;
  t: number;
}

/**
 * The whole farm on one VirtualClock: physics and Modbus slaves (attachSensors), one
 * EspruinoRuntime per scenario node running the real firmware bundle with its node.json in
 * Storage, and a real Gateway (embedded aedes on 127.0.0.1, SQLite, rules engine) on the same
 * clock. Between the nodes' virtual network and the broker sits an MqttTap, the witness of
 * what the firmware sent and what the gateway acknowledged. Scenario node events drive the
 * nodes: linkDown/linkUp take the farm's Wi-Fi access point down for that node, powerLoss/
 * powerRestore cut and restore its power (RAM lost, flash kept).
 */
export class Rig {
  readonly sim: Simulation;
  readonly scenario: Scenario;
  readonly nodes = new Map<string, RigNode>();
  readonly facilities: FacilitiesJson;
  gateway!: Gateway;
  sink: EngineSink | null = null;
  tap!: MqttTap;
  readonly dataDir: string;
  private readonly ownDir: boolean;
  private readonly nodeIo = new Map<string, NodeIo>();
  private db: Database.Database | null = null;
  private started = false;

  constructor(
    scenarioJson: unknown,
    private readonly opts: RigOptions = {},
  ) {
    this.sim = createSimulation(scenarioJson, { seed: opts.seed ?? 1, speed: opts.speed ?? "max", ioWaitLimitMs: opts.ioWaitLimitMs ?? 10_000, yieldEvery: opts.yieldEvery ?? 200 });
    this.scenario = this.sim.scenario;
    this.facilities = facilitiesFromScenario(this.scenario);
    this.ownDir = opts.dataDir === undefined;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "rig-"));
  }

  get clock() {
    return this.sim.clock;
  }

  get start(): number {
    return this.sim.start;
  }

  async startRig(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const s = this.scenario;
    const cfg = parseConfig({
      farm: s.farm.id, gateway: "gw", dataDir: this.dataDir,
      log: { level: "silent" },
      mqtt: {
        listen: { host: "127.0.0.1", port: 0 },
        // Low scrypt cost: the rig starts many gateways; the demo's credentials are printed anyway.
        nodes: s.farm.nodes.map((n) => ({ id: n.id, passwordHash: hashSecret(nodePassword(n.id), { N: 1024 }) })),
      },
      http: this.opts.http ?? { host: "127.0.0.1", port: 0 },
      // NORMAL: the rig does not cut the gateway's power, and FULL's fsync per group commit
      // would dominate a simulated month on a shared disk.
      store: { synchronous: this.opts.synchronous ?? "NORMAL" },
      facilities: this.facilities,
    });
    this.sink = this.opts.rules === false ? null : createEngineSink(this.facilities);
    this.gateway = new Gateway(cfg, { clock: this.clock, log: this.opts.log ?? silentLogger, rules: this.sink });
    await this.gateway.start();
    this.tap = new MqttTap({ host: "127.0.0.1", port: this.gateway.mqttPort }, this.clock.io);
    await this.tap.start();
    this.tap.onSilentWrite = (node) => this.nodeIo.get(node)?.releaseOldest();
    // The two hops of a message the nodes' network guard cannot see (see MqttTap).
    const queue = this.gateway.queue;
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = (item) => {
      const ok = enqueue(item);
      if ((item.kind === "up" || item.kind === "reject") && item.node !== null && item.boot !== null && item.seq !== null)
        this.tap.queued(item.node, item.boot, item.seq);
      return ok;
    };
    this.gateway.bus.on("committed", (b) => {
      for (const a of b.acks) this.tap.ackDue(a.node, a.boot, a.seq);
    });

    const bundle = this.opts.bundle ?? readFileSync(ensureFirmwareBundle(), "utf8");
    const sensors = attachSensors(this.sim);
    for (const n of s.farm.nodes) {
      const ns = sensors.get(n.id)!;
      const flash = new FlashStorage();
      flash.write("node.json", binToBytes(JSON.stringify(nodeConfigFor(s.farm.id, n))));
      const network = new VirtualNetwork();
      // A write holds the clock until the broker's answer reaches the node (NodeNet releases
      // its tickets on data from the peer); writes nothing answers (the node's PUBACK for an
      // ack) are released by the tap as soon as it has seen them (NodeIo), so this is only the
      // bound for a lost answer.
      network.settleWallMs = 2000;
      network.route(`${GATEWAY_LAN.host}:${GATEWAY_LAN.port}`, { host: "127.0.0.1", port: this.tap.port });
      const ap = new WifiAccessPoint(WIFI.ssid, WIFI.pass);
      const master = ns.bus.attachMaster({ chunkMs: 10 });
      const uarts: ConstructorParameters<typeof EspruinoRuntime>[0]["uarts"] = { Serial2: transceiverPort(master, ns.bus.config) };
      if (ns.gps) uarts.Serial3 = transceiverPort(ns.gps.line.attach("node"), ns.gps.line.config);
      const io = new NodeIo(this.clock.io);
      this.nodeIo.set(n.id, io);
      const runtime = new EspruinoRuntime({
        clock: ns.bus.clock, io, bundle, flash, network, wifi: ap, uarts,
        dePins: { D4: "Serial2" },
        seed: seedOf(`${this.sim.seed}/${n.id}/node`),
        // The honest estimate reads closures through the inspector (~230 ms); the status message
        // asks every 5 min, which over simulated months would dominate the run.
        memory: { closures: false },
      });
      this.nodes.set(n.id, { id: n.id, sensors: ns, runtime, flash, network, ap, powered: false, powerLosses: 0 });
    }
    this.sim.onEvent("linkDown", (ev) => {
      if (ev.type === "linkDown") this.linkDown(ev.node);
    });
    this.sim.onEvent("linkUp", (ev) => {
      if (ev.type === "linkUp") this.linkUp(ev.node);
    });
    this.sim.onEvent("powerLoss", (ev) => {
      if (ev.type === "powerLoss") this.powerLoss(ev.node);
    });
    this.sim.onEvent("powerRestore", (ev) => {
      if (ev.type === "powerRestore") this.powerOn(ev.node);
    });
    for (const id of this.opts.linkDownAtStart ?? []) this.node(id).ap.down();
    this.sim.begin();
    for (const n of this.nodes.values()) this.powerOn(n.id);
  }

  node(id: string): RigNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`rig: no node "${id}" (known: ${[...this.nodes.keys()].join(", ")})`);
    return n;
  }

  linkDown(id: string): void {
    this.node(id).ap.down();
  }

  linkUp(id: string): void {
    this.node(id).ap.restore();
  }

  powerLoss(id: string): void {
    const n = this.node(id);
    if (!n.powered) return;
    n.runtime.powerLoss();
    n.powered = false;
    n.powerLosses++;
  }

  powerOn(id: string): void {
    const n = this.node(id);
    if (n.powered) return;
    n.runtime.boot();
    n.powered = true;
  }

  /** Runs to `until` (ISO 8601 duration from the start, or ms from the start; default the scenario's end). */
  async run(until?: string | number): Promise<void> {
    await this.startRig();
    const to = until === undefined ? this.sim.end : this.start + (typeof until === "number" ? until : parseDuration(until));
    await this.clock.runUntil(Math.min(to, this.sim.end));
  }

  /** Runs on until every node's queue is acknowledged (or `maxMs` more virtual time passed). */
  async drain(maxMs = 6 * 3_600_000, stepMs = 60_000): Promise<boolean> {
    const end = this.clock.now() + maxMs;
    while (this.clock.now() < end) {
      if (this.allAcked()) return true;
      await this.clock.runUntil(this.clock.now() + stepMs);
    }
    return this.allAcked();
  }

  /** Every uplink the tap saw is covered by an ack to its node. */
  allAcked(): boolean {
    for (const u of this.tap.uplinks.values()) if (!this.isAcked(u.node, u.b, u.s)) return false;
    return true;
  }

  isAcked(node: string, b: number, s: number): boolean {
    const a = this.tap.ackedUpTo(node);
    return a !== null && (b < a.b || (b === a.b && s <= a.s));
  }

  private database(): Database.Database {
    if (!this.db) this.db = new Database(join(this.dataDir, "gateway.db"), { readonly: true, fileMustExist: true });
    return this.db;
  }

  /** Every reading in the gateway's database, in a stable order. */
  storedReadings(): StoredReading[] {
    return this.database()
      .prepare(
        `SELECT s.node AS node, s.key AS key, r.t AS t, r.value AS value, r.flags AS flags, m.boot AS boot, m.seq AS seq
         FROM readings r JOIN sensors s ON s.id = r.sensor_id LEFT JOIN messages m ON m.id = r.message_id
         ORDER BY s.node, s.key, r.t, m.boot, m.seq, r.id`,
      )
      .all() as StoredReading[];
  }

  /** Every alert transition the gateway stored, in commit order. */
  gatewayAlerts(): StoredTransition[] {
    return this.database()
      .prepare(`SELECT rule, subject, facility, severity, from_state AS "from", to_state AS "to", t FROM alert_transitions ORDER BY feed_seq`)
      .all() as StoredTransition[];
  }

  /** The tanker ledger (T1 loads and unloads, with where they happened). */
  ledger(): { t: number; kind: string; facility: string | null; site: string | null; tonnes: number }[] {
    return this.database().prepare(`SELECT t, kind, facility, site, tonnes FROM ledger ORDER BY feed_seq`).all() as { t: number; kind: string; facility: string | null; site: string | null; tonnes: number }[];
  }

  /** Uplink messages stored, by "node/boot/seq". */
  storedMessages(): Map<string, { id: number; readings: number }> {
    const rows = this.database().prepare(`SELECT id, node, boot, seq, readings FROM messages`).all() as { id: number; node: string; boot: number; seq: number; readings: number }[];
    return new Map(rows.map((r) => [`${r.node}/${r.boot}/${r.seq}`, { id: r.id, readings: r.readings }]));
  }

  /** The scenario's gateway-level expectations (alert, noAlert, noAlerts, ledger: src/scenario/alert-match.ts; noReadingLost). */
  evaluate(): GatewayExpectationResult[] {
    return evaluateExpectations(this);
  }

  async stop(): Promise<void> {
    for (const n of this.nodes.values()) {
      n.runtime.dispose();
      n.sensors.stop();
    }
    this.sim.stopPhysics();
    this.clock.stop();
    if (this.tap) await this.tap.stop();
    if (this.gateway) await this.gateway.stop();
    this.db?.close();
    this.db = null;
    if (this.ownDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * A node's view of the clock's I/O guard: the same tickets, kept in write order so that the
 * tap can end the one of a write that will get no answer.
 */
class NodeIo {
  private readonly open: (() => void)[] = [];
  constructor(private readonly io: IoGuard) {}

  begin(): () => void {
    const t = this.io.begin();
    let done = false;
    const ticket = () => {
      if (done) return;
      done = true;
      const i = this.open.indexOf(ticket);
      if (i >= 0) this.open.splice(i, 1);
      t();
    };
    this.open.push(ticket);
    return ticket;
  }

  end(): void {
    this.open.shift()?.();
  }

  track<T>(p: Promise<T>): Promise<T> {
    const t = this.begin();
    p.then(t, t);
    return p;
  }

  releaseOldest(): void {
    this.open.shift()?.();
  }
}

function seedOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}
