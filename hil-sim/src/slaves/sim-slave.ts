import { decodePoint, EXCEPTION, pointWidth, validateRegisterMap, writePoint, type Clock, type PointDef, type RegisterMap } from "@manure-edge/protocol";
import { Rng } from "../rng";
import { ModbusException, type SlaveDevice, type Table } from "./register-space";

/**
 * Engineering value of a point right now, from the physics: a number (bools as 0/1), null
 * when the device itself would report a fault, undefined when the physics does not model
 * this point (then the device holds what was written to it, or 0).
 */
export type PointSource = (point: PointDef) => number | boolean | null | undefined;

export interface SimSlaveOptions {
  clock: Clock;
  /** Seed of this device's noise. Default: the unit address. */
  seed?: number | string;
  /** Gaussian noise, standard deviation in engineering units: one for all points, or per point name. */
  noise?: number | Record<string, number>;
  /** Called after a master wrote a point (a tare coil, a setpoint), with its engineering value. */
  onWrite?: (point: PointDef, value: number) => void;
  /**
   * Engineering values of points the physics does not model: the device's configuration as
   * commissioned (a level transmitter's decimal places). Used when the source gives undefined
   * and no master has written the point.
   */
  constants?: Record<string, number>;
}

/** What can go wrong with one measurement point, set by a scenario or a test. */
export class SimPoint {
  /** Gaussian noise, standard deviation in engineering units. */
  noiseSd = 0;
  /** Slow calibration drift, engineering units per day, from driftSince. */
  driftPerDay = 0;
  driftSince = 0;
  /** The value the device keeps reporting while stuck. */
  stuckAt: number | undefined = undefined;
  /** Probe unplugged: the device reports its fault sentinel. */
  unplugged = false;
  /** Last value reported (before quantisation). */
  last: number | undefined = undefined;

  constructor(readonly def: PointDef) {}

  /** Freeze at the last reported value (or `value`). */
  stick(value?: number): void {
    this.stuckAt = value ?? this.last ?? 0;
  }
  unstick(): void {
    this.stuckAt = undefined;
  }
  drift(perDay: number, since: number): void {
    this.driftPerDay = perDay;
    this.driftSince = since;
  }
}

const DAY_MS = 86_400_000;

/**
 * A Modbus slave built from a register map (protocol/maps/<id>.json) and the physics: every
 * read samples the source at the clock's time, adds drift and noise, and encodes the value
 * with protocol's writePoint (so quantisation is the map's scale, and integer types saturate
 * like real transmitters). Faults: noise, drift, stuck value, unplugged probe (the map's
 * sentinel), device power loss (no reply at all).
 *
 * Addressing: every register between a table's first and last point is readable (gaps
 * read 0, as most devices do, so a master may read through gaps the map's maxGap allows);
 * outside that span is ILLEGAL DATA ADDRESS. Writes are accepted only on points marked
 * writable; others are ILLEGAL DATA ADDRESS (read-only register).
 */
export class SimSlave implements SlaveDevice {
  readonly map: RegisterMap;
  powered = true;
  private readonly points = new Map<string, SimPoint>();
  private readonly byTable: Record<Table, PointDef[]> = { coil: [], discrete: [], holding: [], input: [] };
  private readonly span: Partial<Record<Table, [number, number]>> = {};
  private readonly written: Record<Table, Map<number, number>> = { coil: new Map(), discrete: new Map(), holding: new Map(), input: new Map() };
  private readonly rng: Rng;

  constructor(
    readonly unit: number,
    mapJson: unknown,
    private readonly source: PointSource,
    private readonly opts: SimSlaveOptions,
  ) {
    if (!(Number.isInteger(unit) && unit >= 1 && unit <= 247)) throw new Error(`sim slave: unit ${unit} outside 1..247`);
    const v = validateRegisterMap(mapJson);
    if (!v.ok) throw new Error(`sim slave ${unit}: invalid register map at ${v.path}: ${v.reason}`);
    this.map = v.value;
    this.rng = new Rng(opts.seed ?? unit, `slave-${unit}`);
    for (const p of this.map.points) {
      const sp = new SimPoint(p);
      const n = opts.noise;
      sp.noiseSd = typeof n === "number" ? n : (n?.[p.name] ?? 0);
      this.points.set(p.name, sp);
      this.byTable[p.table].push(p);
      const end = p.address + (p.table === "coil" || p.table === "discrete" ? 1 : pointWidth(p.type));
      const s = this.span[p.table];
      this.span[p.table] = s ? [Math.min(s[0], p.address), Math.max(s[1], end)] : [p.address, end];
    }
  }

  /** The controls of one point (noise, drift, stuck, unplugged). */
  point(name: string): SimPoint {
    const p = this.points.get(name);
    if (!p) throw new Error(`sim slave ${this.unit}: no point "${name}" in map ${this.map.id}`);
    return p;
  }

  powerOff(): void {
    this.powered = false;
  }
  powerOn(): void {
    this.powered = true;
  }

  hasTable(table: Table): boolean {
    return this.byTable[table].length > 0;
  }

  read(table: Table, address: number, count: number): number[] {
    this.checkSpan(table, address, count);
    const lo = address;
    const hi = address + count;
    // Image over the block plus whole points that stick out of it (a read may cut a u32 in half).
    let imgLo = lo;
    let imgHi = hi;
    const hit: PointDef[] = [];
    for (const p of this.byTable[table]) {
      const end = p.address + (table === "coil" || table === "discrete" ? 1 : pointWidth(p.type));
      if (p.address < hi && end > lo) {
        hit.push(p);
        imgLo = Math.min(imgLo, p.address);
        imgHi = Math.max(imgHi, end);
      }
    }
    const img: number[] = [];
    for (let a = imgLo; a < imgHi; a++) img.push(0);
    for (const p of hit) {
      const v = this.sample(p);
      if (v === null && !hasSentinel(p)) throw new ModbusException(EXCEPTION.SERVER_DEVICE_FAILURE, `${p.name}: probe fault and no sentinel in the map`);
      writePoint(p, v, img, imgLo);
    }
    return img.slice(lo - imgLo, hi - imgLo);
  }

  write(table: Table, address: number, values: number[]): void {
    const targets: PointDef[] = [];
    for (let i = 0; i < values.length; i++) {
      const a = address + i;
      const p = this.byTable[table].find((q) => a >= q.address && a < q.address + (table === "coil" ? 1 : pointWidth(q.type)));
      if (!p || !p.writable) throw new ModbusException(EXCEPTION.ILLEGAL_DATA_ADDRESS, `${table} ${a} is not writable`);
      if (!targets.includes(p)) targets.push(p);
    }
    for (let i = 0; i < values.length; i++) this.written[table].set(address + i, values[i]);
    for (const p of targets) {
      const regs: number[] = [];
      for (let k = 0; k < (table === "coil" ? 1 : pointWidth(p.type)); k++) regs.push(this.written[table].get(p.address + k) ?? 0);
      const v = decodePoint(p, regs).value;
      if (v !== null) this.opts.onWrite?.(p, v);
    }
  }

  /** The value the device reports for `p` now, before encoding (null = fault sentinel). */
  private sample(p: PointDef): number | null {
    const sp = this.points.get(p.name)!;
    if (sp.unplugged) return null;
    if (sp.stuckAt !== undefined) return sp.stuckAt;
    const src = this.source(p);
    if (src === null) return null;
    let v: number;
    if (src === undefined) v = this.writtenValue(p) ?? this.opts.constants?.[p.name] ?? 0;
    else v = typeof src === "boolean" ? (src ? 1 : 0) : src;
    if (p.type !== "bool") {
      const now = this.opts.clock.now();
      if (sp.driftPerDay !== 0) v += (sp.driftPerDay * (now - sp.driftSince)) / DAY_MS;
      if (sp.noiseSd > 0) v += sp.noiseSd * this.rng.normal();
    }
    sp.last = v;
    return v;
  }

  private writtenValue(p: PointDef): number | undefined {
    const w = this.written[p.table];
    if (!w.has(p.address)) return undefined;
    const regs: number[] = [];
    for (let k = 0; k < (p.table === "coil" || p.table === "discrete" ? 1 : pointWidth(p.type)); k++) regs.push(w.get(p.address + k) ?? 0);
    return decodePoint({ ...p, sentinel: undefined, range: undefined }, regs).value ?? undefined;
  }

  private checkSpan(table: Table, address: number, count: number): void {
    const s = this.span[table];
    if (!s || address < s[0] || address + count > s[1])
      throw new ModbusException(EXCEPTION.ILLEGAL_DATA_ADDRESS, `${table} ${address}..${address + count - 1} outside ${s ? `${s[0]}..${s[1] - 1}` : "nothing"}`);
  }
}

function hasSentinel(p: PointDef): boolean {
  return p.sentinel !== undefined && (typeof p.sentinel === "number" || p.sentinel.length > 0);
}
