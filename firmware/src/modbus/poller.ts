/**
 * Polls the node's Modbus devices on their own schedules and turns register blocks into
 * readings (sensor key "<device>.<point>", scaling, sentinel and range flags by protocol's
 * decodePoint). Contiguous registers are read in one request (protocol's planReads).
 *
 * Sampling per quantity: each device has `every` seconds; a device with `fast` (a tanker's
 * load cell) is polled every `fast` seconds while a value moves by more than `band` and
 * falls back to `every` once it has held still for `settle` polls; the end of a movement (a
 * load or a discharge completed) is signalled at once with onStep so the batch goes out now.
 */
import {
  Q, decodePoint, planReads, readRequestFrame,
  type Clock, type PointDef, type ReadBlock, type RegisterMap,
} from "@manure-edge/protocol";
import { DeviceLink, type ModbusMaster, type TxResult } from "./master";

export interface DeviceConfig {
  id: string;
  unit: number;
  map: string;
  every: number;
  fast?: number;
  /** Change (engineering units) that counts as movement for fast polling; default 0. */
  band?: number;
}

export type Emit = (key: string, value: number | null, flags: number, reason?: string) => void;

/** Polls without movement before a fast-polled device goes back to its slow interval. */
const SETTLE = 3;

class DevicePoll {
  readonly link: DeviceLink;
  readonly reqs: Uint8Array[] = [];
  due: number;
  busy = false;
  moving = false;
  still = 0;
  prev: { [point: string]: number } = {};

  constructor(readonly cfg: DeviceConfig, readonly blocks: ReadBlock[], due: number) {
    this.due = due;
    this.link = new DeviceLink(cfg.id, cfg.unit);
    for (let i = 0; i < blocks.length; i++) this.reqs.push(readRequestFrame(cfg.unit, blocks[i].fc, blocks[i].address, blocks[i].count));
  }
}

/**
 * Movement threshold for fast polling: the device's `band`, else 0.5 % of the point's
 * plausible range (about 200 kg on a 40 t load cell: sloshing noise stays below it).
 */
function band(cfg: DeviceConfig, p: PointDef): number {
  if (cfg.band !== undefined) return cfg.band;
  return p.range ? (p.range[1] - p.range[0]) * 0.005 : 0;
}

export class Poller {
  /** Device polls completed (all blocks answered or failed). */
  cycles = 0;
  /** Time of the last completed device poll: the watchdog's sign of a healthy loop. */
  lastProgress: number;
  private _devs: DevicePoll[] = [];
  private _timer: unknown = null;
  private _running = false;

  constructor(
    private readonly _master: ModbusMaster,
    private readonly _clock: Clock,
    devices: DeviceConfig[],
    maps: { [id: string]: RegisterMap },
    private readonly _emit: Emit,
    private readonly _onStep: () => void,
  ) {
    const now = _clock.now();
    this.lastProgress = now;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i];
      const map = maps[d.map];
      if (!map) throw new Error("device " + d.id + ": register map " + d.map + " is not in this firmware");
      const blocks = planReads(map.points, map); // its maxGap and maxRegisters
      // Spread the first polls so that devices do not all start in the same second.
      this._devs.push(new DevicePoll(d, blocks, now + 500 + i * 250));
    }
  }

  start(): void {
    if (this._running) return;
    this._running = true;
    this._arm();
  }

  stop(): void {
    this._running = false;
    if (this._timer !== null) this._clock.clearTimeout(this._timer);
    this._timer = null;
  }

  /**
   * One timer, set for the next device that is due (re-armed after every poll), rather than a
   * fixed 100 ms tick: the interpreter sleeps between polls (on an ESP32 as in the simulator,
   * where a week of 100 ms ticks was most of the work). Without devices, a 1 s timer keeps
   * lastProgress fresh (the watchdog's health check).
   */
  private _arm(): void {
    if (this._timer !== null) this._clock.clearTimeout(this._timer);
    this._timer = null;
    if (!this._running) return;
    const now = this._clock.now();
    let next = this._devs.length === 0 ? now + 1000 : Infinity;
    for (let i = 0; i < this._devs.length; i++) if (!this._devs[i].busy) next = Math.min(next, this._devs[i].due);
    // All devices busy: the poll that completes re-arms.
    if (next === Infinity) return;
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      this.tick();
    }, Math.max(0, next - now));
  }

  links(): DeviceLink[] {
    const out: DeviceLink[] = [];
    for (let i = 0; i < this._devs.length; i++) out.push(this._devs[i].link);
    return out;
  }

  /** Longest poll interval, ms (for the watchdog's idea of "recently"). */
  longestInterval(): number {
    let m = 0;
    for (let i = 0; i < this._devs.length; i++) m = Math.max(m, this._devs[i].cfg.every * 1000);
    return m;
  }

  tick(): void {
    const now = this._clock.now();
    if (this._devs.length === 0) this.lastProgress = now;
    for (let i = 0; i < this._devs.length; i++) {
      const d = this._devs[i];
      if (!d.busy && now >= d.due) this._poll(d);
    }
    this._arm();
  }

  private _poll(d: DevicePoll): void {
    d.busy = true;
    let left = d.blocks.length;
    let moved = false;
    // A callback per block made by `one`, not in the loop: a closure over the loop's
    // variables costs tsc's ES5 output a function per iteration.
    const one = (b: ReadBlock) => (r: TxResult) => {
      if (this._decode(d, b, r)) moved = true;
      if (--left === 0) this._done(d, moved);
    };
    if (left === 0) {
      this._done(d, false);
      return;
    }
    for (let i = 0; i < d.blocks.length; i++) this._master.request(d.link, d.reqs[i], one(d.blocks[i]));
  }

  /** Emits the block's readings; true when a value moved by more than the band. */
  private _decode(d: DevicePoll, b: ReadBlock, r: TxResult): boolean {
    let moved = false;
    for (let i = 0; i < b.points.length; i++) {
      const p = b.points[i];
      const key = d.cfg.id + "." + p.name;
      if (!r.ok) {
        this._emit(key, null, Q.MODBUS_ERROR, r.kind === "exception" ? r.message : r.kind);
        continue;
      }
      const v = decodePoint(p, r.values, b.address);
      this._emit(key, v.value, v.flags, v.reason);
      if (v.value !== null && p.type !== "bool") {
        const prev = d.prev[p.name];
        if (prev !== undefined && Math.abs(v.value - prev) > band(d.cfg, p)) moved = true;
        d.prev[p.name] = v.value;
      }
    }
    return moved;
  }

  private _done(d: DevicePoll, moved: boolean): void {
    const now = this._clock.now();
    d.busy = false;
    this.cycles++;
    this.lastProgress = now;
    let interval = d.cfg.every;
    if (d.cfg.fast) {
      if (moved) {
        d.moving = true;
        d.still = 0;
      } else if (d.moving && ++d.still >= SETTLE) {
        d.moving = false;
        this._onStep();
      }
      if (d.moving) interval = d.cfg.fast;
    }
    // Keep the cadence (no drift from transaction times), but never queue a backlog.
    d.due = Math.max(d.due + interval * 1000, now + (d.moving ? 0 : 100));
    if (d.moving) d.due = now + interval * 1000;
    this._arm();
  }
}
