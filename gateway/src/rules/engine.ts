import { Q } from "@manure-edge/protocol";
import { AlertBook, type AlertBookState, type OpenAlert } from "./alerts";
import { ambientBetween, ambientMean, pushAmbient, type AmbientSeries } from "./ambient";
import { capacityAudit, type AuditResult } from "./capacity";
import { instantMs, parseFacilities, type FacilitiesConfig } from "./config";
import { Q_BAD, type Ctx, type RecordedEvent } from "./context";
import { PileRules, type PilePanel } from "./compost/pile";
import type { PileState } from "./compost/state";
import { healthOnReading, healthOnTick, newSensorHealth, type SensorHealthState } from "./health/sensor-health";
import { profileFor, type HealthProfile, type SensorRole } from "./health/profiles";
import { StoreRules, type StorePanel } from "./storage/store";
import type { StoreState } from "./storage/state";
import { TankerRules, type TankerPanel } from "./tanker/tanker";
import type { TankerState } from "./tanker/state";
import type { AlertTransition, Annotation, Batch, FarmEvent, LedgerEntry, ProcessResult, RuleReading } from "./types";
import { DAY, HOUR, MIN } from "./util/time";

/**
 * The rules engine: pure and deterministic. Readings and events are merged into ONE data-time
 * order across the farm (ties broken by kind, sensor, value), held in a reorder buffer until
 * they are `reorderMin` behind the newest reading seen, then processed one by one. So a month
 * of readings replayed at once, or fed one at a time, produces the same transitions. Readings
 * that arrive behind what was already processed are not evaluated (annotated "late", counted).
 * "Now" for staleness is the data time being processed, never a wall clock.
 */

interface Item {
  t: number;
  /** 0 event, 1 reading: at equal times, events (a logged turning, a pump-out) come first. */
  o: 0 | 1;
  k: string;
  r?: RuleReading;
  e?: FarmEvent;
}

interface Role {
  fac: "store" | "pile" | "tanker";
  id: string;
  role: SensorRole;
  idx: number;
}

export interface EngineState {
  v: 1;
  maxSeen: number | null;
  frontier: number | null;
  lastTick: number | null;
  pending: Item[];
  alerts: AlertBookState;
  health: Record<string, SensorHealthState>;
  stores: Record<string, StoreState>;
  piles: Record<string, PileState>;
  tankers: Record<string, TankerState>;
  ambient: Record<string, AmbientSeries>;
  events: Record<string, RecordedEvent[]>;
  planned: Record<string, RecordedEvent[]>;
  /** Readings more than maxJumpH ahead of the farm's data time, per sensor, until a second sensor confirms. */
  ahead: Record<string, Item[]>;
  counters: { readings: number; processed: number; late: number; unknownSensor: number; unsynced: number; invalid: number; ahead: number; events: number; unknownFacility: number };
}

/**
 * What state() returns: the facilities as the panel sees them (the HTTP API hands each one
 * out as the facility's `state`, gateway/src/http/facilities.ts), the open alerts, the
 * configuration audit and the engine's counters.
 */
export interface RulesPanel {
  /** Data time the engine has processed up to (its reorder frontier), null before any reading. */
  now: number | null;
  stores: StorePanel[];
  piles: PilePanel[];
  tankers: TankerPanel[];
  alerts: OpenAlert[];
  audit: AuditResult[];
  counters: EngineState["counters"] & { pending: number };
}

export interface RulesEngine {
  readonly config: FacilitiesConfig;
  /** L10 capacity audit of the configuration (runs at load). */
  readonly audit: AuditResult[];
  process(batch: Batch): ProcessResult;
  /** Process everything still held in the reorder buffer (end of a replay, tests). */
  flush(): ProcessResult;
  acknowledge(alertKey: string, note: string, user: string, t: number): AlertTransition;
  snapshot(): unknown;
  state(): RulesPanel;
}

export function createRulesEngine(config: unknown, snapshot?: unknown): RulesEngine {
  return new Engine(parseFacilities(config), snapshot);
}

function cmp(a: Item, b: Item): number {
  if (a.t !== b.t) return a.t - b.t;
  if (a.o !== b.o) return a.o - b.o;
  if (a.k !== b.k) return a.k < b.k ? -1 : 1;
  const av = a.r?.v ?? -Infinity;
  const bv = b.r?.v ?? -Infinity;
  if (av !== bv) return av - bv;
  return (a.r?.q ?? 0) - (b.r?.q ?? 0);
}

class Engine implements RulesEngine {
  readonly audit: AuditResult[];
  private readonly st: EngineState;
  private readonly roles = new Map<string, Role[]>();
  private readonly profiles = new Map<string, HealthProfile>();
  private readonly owner = new Map<string, string>();
  private readonly book: AlertBook;
  private readonly stores = new Map<string, StoreRules>();
  private readonly piles = new Map<string, PileRules>();
  private readonly tankers = new Map<string, TankerRules>();
  private readonly ctx: Ctx;
  private out: ProcessResult = { transitions: [], ledger: [], annotations: [], events: [] };

  constructor(readonly config: FacilitiesConfig, snapshot?: unknown) {
    this.audit = capacityAudit(config);
    this.st = snapshot === undefined ? this.fresh() : this.restore(snapshot);
    const holdFor = (rule: string) => (config.alerts.perRule[rule]?.clearHoldMin ?? config.alerts.clearHoldMin) * MIN;
    this.book = new AlertBook(this.st.alerts, holdFor, (t) => this.out.transitions.push(t));
    this.ctx = {
      cfg: config,
      book: this.book,
      alert: (t, rule, subject, facility, c) => this.book.update(t, rule, subject, facility, c),
      ledger: (e: LedgerEntry) => this.out.ledger.push(e),
      annotate: (a: Annotation) => this.out.annotations.push(a),
      inferEvent: (e: FarmEvent) => {
        this.out.events.push(e);
        this.record(e.facility, { t: e.t, kind: "turning", data: e.data, inferred: true });
      },
      eventsBetween: (facility, kinds, from, to) => {
        const list = [...(this.st.events[facility] ?? []), ...(this.st.planned[facility] ?? [])];
        return list.filter((e) => kinds.includes(e.kind) && e.t >= from && e.t <= to);
      },
    };
    const off = config.utcOffsetMin;
    for (const s of config.stores) {
      const amb = s.ambientSensor;
      this.stores.set(s.id, new StoreRules(s, this.st.stores[s.id] as StoreState, off,
        (store) => [...this.tankers.values()].some((tk) => tk.busyAt(store)),
        (from, to) => (amb === undefined ? null : ambientBetween(this.st.ambient[amb], from, to))));
      this.addRole(s.levelSensor, { fac: "store", id: s.id, role: "level", idx: 0 });
      if (s.rainSensor !== undefined) this.addRole(s.rainSensor, { fac: "store", id: s.id, role: "rain", idx: 0 });
      if (s.ambientSensor !== undefined) this.addRole(s.ambientSensor, { fac: "store", id: s.id, role: "ambient", idx: 0 });
    }
    for (const p of config.piles) {
      const amb = p.ambientSensor;
      this.piles.set(p.id, new PileRules(p, this.st.piles[p.id] as PileState, (t) => (amb === undefined ? null : ambientMean(this.st.ambient[amb], t))));
      p.probes.forEach((pr, i) => this.addRole(pr.sensor, { fac: "pile", id: p.id, role: "probe", idx: i }));
      if (amb !== undefined) this.addRole(amb, { fac: "pile", id: p.id, role: "ambient", idx: 0 });
    }
    for (const tk of config.tankers) {
      const sites = config.stores.filter((s) => s.position !== undefined).map((s) => ({ id: s.id, lat: s.position![0], lon: s.position![1], radiusM: s.siteRadiusM }));
      this.tankers.set(tk.id, new TankerRules(tk, this.st.tankers[tk.id] as TankerState, off, (pit, load) => this.stores.get(pit)?.onLoad(load), sites));
      this.addRole(tk.weightSensor, { fac: "tanker", id: tk.id, role: "weight", idx: 0 });
      if (tk.positionSensor !== undefined) this.addRole(tk.positionSensor, { fac: "tanker", id: tk.id, role: "position", idx: 0 });
    }
  }

  private addRole(sensor: string, role: Role): void {
    const list = this.roles.get(sensor) ?? [];
    list.push(role);
    this.roles.set(sensor, list);
    if (!this.profiles.has(sensor)) {
      const cap = role.fac === "tanker" ? this.config.tankers.find((x) => x.id === role.id) : undefined;
      const max = cap === undefined ? undefined : cap.weightUnit === "kg" ? cap.capacityT * 1000 : cap.capacityT;
      this.profiles.set(sensor, profileFor(this.config, sensor, role.role, max));
      this.owner.set(sensor, role.id);
    }
  }

  private fresh(): EngineState {
    const st: EngineState = {
      v: 1, maxSeen: null, frontier: null, lastTick: null, pending: [], alerts: AlertBook.empty(), health: {},
      stores: {}, piles: {}, tankers: {}, ambient: {}, events: {}, planned: {}, ahead: {},
      counters: this.freshCounters(),
    };
    this.fillFacilities(st);
    return st;
  }

  private freshCounters(): EngineState["counters"] {
    return { readings: 0, processed: 0, late: 0, unknownSensor: 0, unsynced: 0, invalid: 0, ahead: 0, events: 0, unknownFacility: 0 };
  }

  private fillFacilities(st: EngineState): void {
    for (const s of this.config.stores) st.stores[s.id] ??= StoreRules.initial();
    for (const p of this.config.piles) st.piles[p.id] ??= PileRules.initial(p, p.built === undefined ? null : instantMs(p.built));
    for (const tk of this.config.tankers) st.tankers[tk.id] ??= TankerRules.initial();
  }

  private restore(snapshot: unknown): EngineState {
    const s = snapshot as Partial<EngineState> | null;
    if (s === null || typeof s !== "object" || s.v !== 1 || !Array.isArray(s.pending) || typeof s.alerts !== "object") {
      throw new Error("rules snapshot: not a version-1 rules engine snapshot");
    }
    const st = JSON.parse(JSON.stringify(s)) as EngineState;
    st.ahead ??= {};
    st.counters = { ...this.freshCounters(), ...st.counters };
    // Facilities added to the configuration since the snapshot start fresh; removed ones are dropped.
    const keep = <T>(rec: Record<string, T>, ids: string[]) => Object.fromEntries(Object.entries(rec).filter(([k]) => ids.includes(k)));
    st.stores = keep(st.stores, this.config.stores.map((x) => x.id));
    st.piles = keep(st.piles, this.config.piles.map((x) => x.id));
    st.tankers = keep(st.tankers, this.config.tankers.map((x) => x.id));
    this.fillFacilities(st);
    return st;
  }

  process(batch: Batch): ProcessResult {
    this.out = { transitions: [], ledger: [], annotations: [], events: [] };
    const st = this.st;
    const pending = st.pending;
    // Appending in order keeps the queue sorted; only an out-of-order arrival costs a sort.
    let sorted = true;
    let last: Item | undefined = pending[pending.length - 1];
    for (const e of batch.events ?? []) {
      const kind = e?.kind ?? e?.type;
      if (typeof kind !== "string" || typeof e.t !== "number" || !Number.isFinite(e.t) || typeof e.facility !== "string") {
        st.counters.invalid++;
        continue;
      }
      // Turnings this engine inferred come back once the store has recorded them: already known.
      if ((e.data as { inferred?: unknown } | undefined)?.inferred === true) continue;
      st.counters.events++;
      if (kind === "pump-out-planned") {
        (st.planned[e.facility] ??= []).push({ t: e.t, kind, data: e.data });
        continue;
      }
      const it: Item = { t: e.t, o: 0, k: `${e.facility}\u0000${kind}`, e: { ...e, kind } };
      if (last !== undefined && cmp(last, it) > 0) sorted = false;
      pending.push(it);
      last = it;
    }
    const jump = this.config.maxJumpH * 3_600_000;
    for (const r of batch.readings ?? []) {
      st.counters.readings++;
      if (r === null || typeof r !== "object" || typeof r.sensor !== "string" || !Number.isFinite(r.t) || !Number.isInteger(r.q) ||
        !(r.v === null || typeof r.v === "number")) {
        st.counters.invalid++;
        continue;
      }
      if (!this.roles.has(r.sensor)) {
        st.counters.unknownSensor++;
        continue;
      }
      if ((r.q & Q.CLOCK_UNSYNC) !== 0 && (r.q & Q.TIME_CORRECTED) === 0) {
        st.counters.unsynced++;
        continue;
      }
      const it: Item = { t: r.t, o: 1, k: r.sensor, r };
      if (st.maxSeen !== null && r.t > st.maxSeen + jump) {
        if (this.jumpAhead(it)) sorted = false;
        continue;
      }
      if (last !== undefined && cmp(last, it) > 0) sorted = false;
      pending.push(it);
      last = it;
      if (st.maxSeen === null || r.t > st.maxSeen) st.maxSeen = r.t;
    }
    if (!sorted) pending.sort(cmp);
    if (st.maxSeen !== null) this.drain(st.maxSeen - this.config.reorderMin * MIN);
    return this.out;
  }

  /**
   * A reading far ahead of the farm's data time is held aside; once two sensors agree (an
   * outage of the whole farm ended) the held readings join the queue and data time moves on.
   * Returns true when they joined. A single node with a wrong clock keeps at most 1000.
   */
  private jumpAhead(it: Item): boolean {
    const st = this.st;
    const jump = this.config.maxJumpH * 3_600_000;
    st.counters.ahead++;
    const list = (st.ahead[it.k] ??= []);
    list.push(it);
    if (list.length > 1000) list.shift();
    // Two sensors whose held readings start within maxJumpH of each other confirm the jump.
    const starts = Object.keys(st.ahead)
      .map((k) => [k, Math.min(...(st.ahead[k] as Item[]).map((x) => x.t))] as [string, number])
      .sort((a, b) => a[1] - b[1]);
    let confirmed: number | null = null;
    for (let i = 1; i < starts.length && confirmed === null; i++) {
      if ((starts[i] as [string, number])[1] - (starts[i - 1] as [string, number])[1] <= jump) confirmed = (starts[i - 1] as [string, number])[1];
    }
    if (confirmed === null) return false;
    for (const [k] of starts) {
      const keep: Item[] = [];
      for (const x of st.ahead[k] as Item[]) {
        if (x.t > confirmed + jump) {
          keep.push(x); // still too far ahead (a wrong clock): keep holding
          continue;
        }
        st.pending.push(x);
        if (st.maxSeen === null || x.t > st.maxSeen) st.maxSeen = x.t;
      }
      if (keep.length > 0) st.ahead[k] = keep;
      else delete st.ahead[k];
    }
    return true;
  }

  flush(): ProcessResult {
    this.out = { transitions: [], ledger: [], annotations: [], events: [] };
    this.drain(Infinity);
    return this.out;
  }

  private drain(watermark: number): void {
    const st = this.st;
    let i = 0;
    while (i < st.pending.length && (st.pending[i] as Item).t <= watermark) {
      this.step(st.pending[i] as Item);
      i++;
    }
    if (i > 0) st.pending.splice(0, i);
  }

  private step(it: Item): void {
    const st = this.st;
    if (it.e !== undefined) {
      this.applyEvent(it.e);
      return;
    }
    const r = it.r as RuleReading;
    if (st.frontier !== null && r.t < st.frontier) {
      st.counters.late++;
      this.out.annotations.push({ sensor: r.sensor, from: r.t, to: r.t, q: 0, reason: "late" });
      return;
    }
    const minute = Math.floor(r.t / MIN);
    if (st.lastTick === null || minute > st.lastTick) {
      const prev = st.lastTick === null ? null : st.lastTick * MIN;
      st.lastTick = minute;
      this.tick(minute * MIN, prev);
    }
    st.frontier = r.t;
    st.counters.processed++;
    this.dispatch(r);
  }

  private tick(now: number, prev: number | null): void {
    for (const [sensor, p] of this.profiles) {
      const h = this.st.health[sensor];
      if (h !== undefined && !this.retired(sensor)) healthOnTick(this.ctx, h, p, this.owner.get(sensor) ?? "", sensor, now);
    }
    const newHour = prev === null || Math.floor(prev / HOUR) !== Math.floor(now / HOUR);
    if (newHour) for (const tk of this.tankers.values()) tk.onTick(this.ctx, now);
    this.book.tick(now);
    if (prev !== null && Math.floor(prev / DAY) !== Math.floor(now / DAY)) this.pruneEvents(now);
  }

  /** Probes of a released pile are expected to go quiet: no stale alert for them. */
  private retired(sensor: string): boolean {
    const roles = this.roles.get(sensor) ?? [];
    return roles.length > 0 && roles.every((r) => r.role === "probe" && this.st.piles[r.id]?.released === true);
  }

  private pruneEvents(now: number): void {
    for (const k of Object.keys(this.st.events)) this.st.events[k] = (this.st.events[k] ?? []).filter((e) => e.t >= now - 10 * DAY);
    for (const k of Object.keys(this.st.planned)) {
      this.st.planned[k] = (this.st.planned[k] ?? []).filter((e) => {
        const at = (e.data as { at?: unknown } | undefined)?.at;
        return (typeof at === "number" ? at : e.t) >= now - DAY;
      });
    }
  }

  private record(facility: string, e: RecordedEvent): void {
    (this.st.events[facility] ??= []).push(e);
  }

  private applyEvent(e: FarmEvent): void {
    const kind = e.kind as string;
    const pile = this.piles.get(e.facility);
    if (pile === undefined && !this.stores.has(e.facility) && !this.tankers.has(e.facility)) {
      this.st.counters.unknownFacility++;
      return;
    }
    this.record(e.facility, { t: e.t, kind, data: e.data });
    pile?.onEvent(this.ctx, kind, e.t);
  }

  private dispatch(r: RuleReading): void {
    const st = this.st;
    const roles = this.roles.get(r.sensor) as Role[];
    const h = (st.health[r.sensor] ??= newSensorHealth());
    healthOnReading(this.ctx, h, this.profiles.get(r.sensor) as HealthProfile, this.owner.get(r.sensor) ?? "", r);
    const raw = r.v !== null && Number.isFinite(r.v) && (r.q & Q_BAD) === 0 && !h.stuck && !h.outOfRange ? r.v : null;
    let ambientDone = false;
    for (const role of roles) {
      switch (role.role) {
        case "level":
          this.stores.get(role.id)?.onLevel(this.ctx, r.t, raw);
          break;
        case "rain":
          this.stores.get(role.id)?.onRain(r.t, raw);
          break;
        case "ambient":
          if (!ambientDone && raw !== null) pushAmbient((st.ambient[r.sensor] ??= []), r.t, raw);
          ambientDone = true;
          break;
        case "probe":
          this.piles.get(role.id)?.onReading(this.ctx, role.idx, r.t, raw, h, (s) => (st.health[s] ??= newSensorHealth()));
          break;
        case "weight":
          this.tankers.get(role.id)?.onWeight(this.ctx, r.t, raw, r.pos);
          break;
        case "position":
          this.tankers.get(role.id)?.onPosition(r.t, r.pos);
          break;
      }
    }
  }

  acknowledge(alertKey: string, note: string, user: string, t: number): AlertTransition {
    const saved = this.out;
    this.out = { transitions: [], ledger: [], annotations: [], events: [] };
    try {
      return this.book.acknowledge(alertKey, note, user, t);
    } finally {
      this.out = saved;
    }
  }

  snapshot(): unknown {
    return JSON.parse(JSON.stringify(this.st));
  }

  panel(): RulesPanel {
    const now = this.st.frontier;
    return {
      now,
      stores: [...this.stores.values()].map((s) => s.panel(this.ctx)),
      piles: [...this.piles.values()].map((p) => p.panel(now)),
      tankers: [...this.tankers.values()].map((tk) => tk.panel(now)),
      alerts: this.book.list().map((a) => ({ ...a })),
      audit: this.audit,
      counters: { ...this.st.counters, pending: this.st.pending.length },
    };
  }

  state(): RulesPanel {
    return this.panel();
  }
}

