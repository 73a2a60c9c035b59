import { createHash } from "node:crypto";
import { formatDuration, parseDuration } from "../clock/duration";
import { VirtualClock, type ClockMode, type ClockStats } from "../clock/virtual-clock";
import { FarmPhysics } from "../physics/farm";
import type { DischargeRecord } from "../physics/tanker";
import type { Seed } from "../rng";
import { evaluator, type ExpectationResult } from "./expectations";
import { PHYSICS_EVENT_TYPES, type Scenario, type ScenarioEvent } from "./types";
import { validateScenario } from "./validate";

export type Speed = "max" | "realtime" | number;

export interface SimulationOptions {
  /** Seed of every random stream. Default 1. */
  seed?: Seed;
  /** "max" (default): as fast as possible; "realtime"; or a factor N (×N against the wall clock). */
  speed?: Speed;
  /** Use this clock (shared with a gateway, say); it must stand at the scenario's start. */
  clock?: VirtualClock;
  /** Trace interval, ISO 8601 duration; overrides the scenario's `trace`. */
  traceEvery?: string;
  /** Passed to a VirtualClock this simulation creates (see VirtualClockOptions). */
  yieldEvery?: number;
  ioWaitLimitMs?: number;
}

export interface RunOptions {
  /** Stop at this offset from the start (ISO 8601 duration or ms) instead of the scenario's end. */
  until?: string | number;
  /** Called after every physics step. */
  onTick?: (t: number, sim: Simulation) => void;
}

/** Physics quantities every trace interval: one column per "<subject>.<quantity>". */
export interface Trace {
  columns: string[];
  rows: number[][];
}

export interface EventRecord {
  t: number;
  event: ScenarioEvent;
  /** Applied by the physics, or passed to at least one listener; false = nobody simulated it. */
  handled: boolean;
}

export interface RunResult {
  name: string;
  seed: Seed;
  start: number;
  end: number;
  steps: number;
  wallMs: number;
  trace: Trace;
  /** SHA-256 of the trace's JSON: equal for equal seeds, byte for byte. */
  traceHash: string;
  expectations: ExpectationResult[];
  events: EventRecord[];
  final: Record<string, Record<string, number>>;
  discharges: Record<string, DischargeRecord[]>;
  clock: ClockStats & { ioAbandoned: number };
}

type Listener = (event: ScenarioEvent, t: number) => void;
type StepListener = (t: number, dtMs: number) => void;

/** Parses and validates; throws one error listing every problem with its path. */
export function checkScenario(json: unknown): Scenario {
  const v = validateScenario(json);
  if (!v.ok) throw new Error(`invalid scenario:\n${v.errors.map((e) => `  ${e.path || "(root)"}: ${e.reason}`).join("\n")}`);
  return v.value;
}

function modeOf(speed: Speed): ClockMode {
  if (speed === "max") return { kind: "asFastAsPossible" };
  if (speed === "realtime") return { kind: "realtime" };
  if (!(typeof speed === "number" && speed > 0)) throw new RangeError(`speed must be "max", "realtime" or a factor > 0, got ${speed}`);
  return { kind: "accelerated", factor: speed };
}

/**
 * One scenario on one VirtualClock: builds the farm physics, steps it at the scenario's fixed
 * step, fires the timeline's events, records a trace and evaluates physics-level
 * expectations. Other layers plug in before run(): the slaves read `sim.farm`, the Espruino
 * runtime and the gateway schedule on `sim.clock`, and node events (link down, power loss,
 * sensor faults) reach them through `sim.onEvent`.
 */
export class Simulation {
  readonly scenario: Scenario;
  readonly clock: VirtualClock;
  readonly farm: FarmPhysics;
  readonly seed: Seed;
  readonly start: number;
  readonly end: number;
  readonly stepMs: number;
  readonly traceEveryMs: number;
  readonly trace: Trace;
  readonly events: EventRecord[] = [];
  private readonly listeners = new Map<string, Listener[]>();
  private readonly stepListeners: StepListener[] = [];
  private readonly evaluators: ReturnType<typeof evaluator>[];
  private readonly columns: Array<[string, string]> = [];
  private started = false;
  private interval: unknown;
  private steps = 0;

  constructor(scenarioJson: unknown, opts: SimulationOptions = {}) {
    this.scenario = checkScenario(scenarioJson);
    const s = this.scenario;
    this.seed = opts.seed ?? 1;
    this.start = Date.parse(s.start);
    this.end = this.start + parseDuration(s.duration);
    this.stepMs = parseDuration(s.step ?? "PT1M");
    const traceText = opts.traceEvery ?? s.trace;
    // Default: every 10 minutes, rounded up to a whole number of steps.
    this.traceEveryMs = traceText !== undefined ? parseDuration(traceText) : Math.ceil(600_000 / this.stepMs) * this.stepMs;
    if (this.traceEveryMs % this.stepMs !== 0) throw new Error("trace interval must be a multiple of the physics step");
    if (opts.clock && opts.clock.now() !== this.start)
      throw new Error(`the clock given stands at ${new Date(opts.clock.now()).toISOString()}, not at the scenario's start ${s.start}`);
    this.clock =
      opts.clock ??
      new VirtualClock({
        start: this.start,
        mode: modeOf(opts.speed ?? "max"),
        yieldEvery: opts.yieldEvery ?? 1,
        ioWaitLimitMs: opts.ioWaitLimitMs,
      });
    if (opts.clock && opts.speed !== undefined) this.clock.setMode(modeOf(opts.speed));
    const f = s.farm;
    this.farm = new FarmPhysics({ climate: s.climate, stores: f.stores, piles: f.piles, tankers: f.tankers, fields: f.fields }, this.seed, this.start);
    for (const subject of this.farm.subjects())
      for (const q of Object.keys(this.farm.model(subject).quantities)) this.columns.push([subject, q]);
    this.trace = { columns: ["t", ...this.columns.map(([a, b]) => `${a}.${b}`)], rows: [] };
    this.evaluators = (s.expect ?? []).map((e) => evaluator(e, this.farm, this.start));
  }

  /** Listens to scenario events of one type ("linkDown", "turn", ...) or all ("*"). */
  onEvent(type: string, fn: Listener): () => void {
    const list = this.listeners.get(type) ?? [];
    list.push(fn);
    this.listeners.set(type, list);
    return () => list.splice(list.indexOf(fn), 1);
  }

  /** Called after every physics step with the step's end time. */
  onStep(fn: StepListener): () => void {
    this.stepListeners.push(fn);
    return () => this.stepListeners.splice(this.stepListeners.indexOf(fn), 1);
  }

  /** Schedules the physics step and the timeline on the clock (run() does it if needed). */
  begin(): void {
    if (this.started) return;
    this.started = true;
    this.record(this.start);
    for (const ev of this.scenario.events ?? []) {
      const at = this.start + parseDuration(ev.at);
      this.clock.setTimeout(() => this.fire(ev), at - this.clock.now());
      if (ev.type === "powerLoss" && ev.duration)
        this.clock.setTimeout(
          () => this.fire({ at: formatDuration(at + parseDuration(ev.duration!) - this.start), type: "powerRestore", node: ev.node }),
          at + parseDuration(ev.duration) - this.clock.now(),
        );
    }
    this.interval = this.clock.setInterval(() => this.step(), this.stepMs);
  }

  /** Runs to the scenario's end (or `until`) and returns the result. */
  async run(opts: RunOptions = {}): Promise<RunResult> {
    this.begin();
    const until = opts.until === undefined ? this.end : this.start + (typeof opts.until === "number" ? opts.until : parseDuration(opts.until));
    const tick = opts.onTick;
    const off = tick ? this.onStep((t) => tick(t, this)) : undefined;
    const wall0 = performance.now();
    try {
      await this.clock.runUntil(Math.min(until, this.end));
    } finally {
      off?.();
    }
    return this.result(performance.now() - wall0);
  }

  /** Stops stepping (the clock itself keeps whatever else is scheduled on it). */
  stopPhysics(): void {
    this.clock.clearInterval(this.interval);
  }

  result(wallMs = 0): RunResult {
    const final: Record<string, Record<string, number>> = {};
    for (const [subject, q] of this.columns) (final[subject] ??= {})[q] = this.farm.quantity(subject, q);
    const discharges: Record<string, DischargeRecord[]> = {};
    for (const [id, tk] of this.farm.tankers) discharges[id] = [...tk.discharges];
    return {
      name: this.scenario.name,
      seed: this.seed,
      start: this.start,
      end: this.clock.now(),
      steps: this.steps,
      wallMs,
      trace: this.trace,
      traceHash: hashTrace(this.trace),
      expectations: this.evaluators.map((e) => e.result()),
      events: [...this.events],
      final,
      discharges,
      clock: { ...this.clock.stats, ioAbandoned: this.clock.io.abandoned },
    };
  }

  private step(): void {
    const t = this.clock.now();
    if (t > this.end) return this.stopPhysics();
    this.farm.step(t, this.stepMs);
    this.steps++;
    for (const e of this.evaluators) e.observe(t);
    if ((t - this.start) % this.traceEveryMs === 0) this.record(t);
    for (const fn of this.stepListeners) fn(t, this.stepMs);
  }

  private record(t: number): void {
    const row = [t];
    for (const [subject, q] of this.columns) row.push(this.farm.quantity(subject, q));
    this.trace.rows.push(row);
  }

  private fire(ev: ScenarioEvent): void {
    const t = this.clock.now();
    const physics = (PHYSICS_EVENT_TYPES as readonly string[]).includes(ev.type);
    if (physics) this.applyPhysics(ev, t);
    const listeners = [...(this.listeners.get(ev.type) ?? []), ...(this.listeners.get("*") ?? [])];
    for (const fn of listeners) fn(ev, t);
    this.events.push({ t, event: ev, handled: physics || (this.listeners.get(ev.type)?.length ?? 0) > 0 });
  }

  private applyPhysics(ev: ScenarioEvent, t: number): void {
    const f = this.farm;
    switch (ev.type) {
      case "turn":
        return f.pile(ev.pile).turn();
      case "wetPile":
        return f.pile(ev.pile).wet(ev.pctPoints);
      case "pumpOut":
        return f.store(ev.store).pumpOut(ev.volumeM3, ev.rateM3PerH ?? 60);
      case "tankerTrip": {
        const route = ev.route ?? [f.fields.get(ev.to)!.center];
        return f.tanker(ev.tanker).requestTrip({ store: f.store(ev.store), volumeM3: ev.volumeM3, route, destination: ev.to });
      }
      case "storm":
        return f.weather.storm(t, parseDuration(ev.duration), ev.depthMm);
      case "coldSnap":
        return f.weather.coldSnap(t, parseDuration(ev.duration), ev.deltaC);
      case "coverBroken":
        return f.store(ev.store).breakCover();
      case "coverRepaired":
        return f.store(ev.store).repairCover();
      case "leakStart":
        return f.store(ev.store).setLeak(ev.rateMmPerDay);
      case "leakStop":
        return f.store(ev.store).setLeak(0);
      case "inflow":
        f.store(ev.store).inflowFactor = ev.factor;
        return;
    }
  }
}

/** SHA-256 of a trace's JSON (numbers in JavaScript's shortest round-trip form). */
export function hashTrace(trace: Trace): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(trace.columns));
  for (const row of trace.rows) h.update(JSON.stringify(row));
  return h.digest("hex");
}

/** Builds a simulation; plug other layers in (sim.clock, sim.farm, sim.onEvent), then sim.run(). */
export function createSimulation(scenario: unknown, opts: SimulationOptions = {}): Simulation {
  return new Simulation(scenario, opts);
}

/** Runs a scenario physics-only and returns traces, events and expectation results. */
export async function runScenario(scenario: unknown, opts: SimulationOptions & RunOptions = {}): Promise<RunResult> {
  const sim = new Simulation(scenario, { yieldEvery: 5000, ...opts });
  return sim.run(opts);
}
