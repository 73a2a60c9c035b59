import { Rng } from "../rng";
import { bearingDeg, distanceM, lerp, type LatLon } from "./geo";
import { HOUR_MS, UnknownQuantityError, type PhysicsModel } from "./model";
import type { SlurryStore } from "./slurry-store";

export interface NoFixZone extends LatLon {
  radiusM: number;
  name?: string;
}

export interface TankerConfig {
  id: string;
  capacityM3: number;
  /** Where the tanker parks (usually by the pit). */
  home: LatLon;
  /** Filling pump, m³/h. Default 60. */
  pumpRateM3PerH?: number;
  /** Spreading rate, m³/h. Default 40. */
  dischargeRateM3PerH?: number;
  /** Road speed, km/h. Default 25 (a tractor and tanker on farm roads). */
  speedKmh?: number;
  /** Slurry density, t/m³. Default 1.02. */
  densityTPerM3?: number;
  /** Load-cell sloshing while driving: standard deviation as % of the load at full speed. Default 3. */
  sloshPct?: number;
  /** Places without a GPS fix (sheds, tree-lined lanes). */
  noFixZones?: NoFixZone[];
}

/** One trip: fill at a store, drive the route, discharge at its end, drive back. */
export interface TankerTrip {
  store: SlurryStore;
  volumeM3: number;
  /** Waypoints from home to the discharge point (home itself is prepended). */
  route: LatLon[];
  /** Registered field id the trip is for, or "ELSEWHERE" (a roadside, a ditch). */
  destination: string;
}

/** Where a load ended up, for physics-level expectations and reconciliation tests. */
export interface DischargeRecord {
  start: number;
  end: number;
  tonnes: number;
  lat: number;
  lon: number;
  /** Field containing the discharge point, or null when it is not on a registered field. */
  field: string | null;
  destination: string;
}

export const TANKER_STATES = ["parked", "filling", "outbound", "discharging", "returning"] as const;
export type TankerState = (typeof TANKER_STATES)[number];

const QUANTITIES = {
  state: "0 parked, 1 filling, 2 outbound, 3 discharging, 4 returning",
  load: "t of slurry on board (true)",
  weight: "t the load cells see: the load plus sloshing while driving",
  volume: "m³ on board",
  lat: "degrees WGS84",
  lon: "degrees WGS84",
  speed: "m/s over ground",
  course: "degrees true",
  gpsFix: "1 where the receiver has a fix, 0 in a no-fix zone",
  odometer: "km driven since the start",
  dischargedTotal: "t discharged since the start",
  trips: "trips completed",
} as const;

type Q = keyof typeof QUANTITIES;

/**
 * A slurry tanker with vehicle-mounted weighing (车载称重): parked → filling at a store (the
 * store's level falls by the same volume) → outbound along its route → discharging at the end
 * (on a field, or ELSEWHERE when the scenario says so) → returning → parked. Trips asked for
 * while busy wait their turn. The load cells see the true load plus sloshing: an AR(1) wobble
 * (correlation time 20 s) whose size grows with speed.
 */
export class Tanker implements PhysicsModel {
  readonly kind = "tanker";
  readonly quantities = QUANTITIES;
  readonly discharges: DischargeRecord[] = [];
  private readonly rng: Rng;
  private readonly state: Record<Q, number>;
  private phase: TankerState = "parked";
  private queue: TankerTrip[] = [];
  private trip: TankerTrip | null = null;
  private path: LatLon[] = [];
  private leg = 0;
  private legDone = 0;
  private slosh = 0;
  private dischargeStart = 0;
  private dischargeTonnes = 0;

  constructor(
    readonly config: TankerConfig,
    seed: number | string,
    private readonly fieldAt: (p: LatLon) => string | null = () => null,
  ) {
    if (!(config.capacityM3 > 0)) throw new RangeError(`${config.id}: capacityM3 must be > 0`);
    this.rng = new Rng(seed, `tanker/${config.id}`);
    this.state = {
      state: 0,
      load: 0,
      weight: 0,
      volume: 0,
      lat: config.home.lat,
      lon: config.home.lon,
      speed: 0,
      course: 0,
      gpsFix: 1,
      odometer: 0,
      dischargedTotal: 0,
      trips: 0,
    };
    this.updateFix();
  }

  get id(): string {
    return this.config.id;
  }

  get status(): TankerState {
    return this.phase;
  }

  get density(): number {
    return this.config.densityTPerM3 ?? 1.02;
  }

  /** Queues a trip; it starts at the next step when the tanker is parked. */
  requestTrip(trip: TankerTrip): void {
    if (!(trip.volumeM3 > 0)) throw new RangeError(`${this.id}: trip volume must be > 0`);
    if (trip.route.length < 1) throw new RangeError(`${this.id}: a trip needs at least one waypoint`);
    this.queue.push(trip);
  }

  step(t: number, dtMs: number): void {
    const s = this.state;
    const c = this.config;
    let hours = dtMs / HOUR_MS;
    // One step may finish a phase and start the next (filling ends mid-step, driving goes on).
    for (let guard = 0; guard < 8 && hours > 1e-12; guard++) {
      if (this.phase === "parked") {
        const next = this.queue.shift();
        if (!next) break;
        this.trip = next;
        this.setPhase("filling");
      }
      if (this.phase === "filling") {
        const trip = this.trip!;
        const target = Math.min(trip.volumeM3, c.capacityM3);
        const rate = c.pumpRateM3PerH ?? 60;
        const ask = Math.min(target - s.volume, rate * hours);
        const got = trip.store.withdraw(ask);
        s.volume += got;
        const dry = got < ask - 1e-9;
        if (!dry && s.volume < target - 1e-9) break; // still filling at the end of the step
        // Full, or the store ran dry: leave with what is on board (nothing: go home).
        hours -= Math.min(hours, got / rate);
        this.leg = 0;
        this.legDone = 0;
        if (s.volume > 0) {
          this.path = [{ ...c.home }, ...trip.route];
          this.setPhase("outbound");
        } else {
          this.path = [{ ...c.home }];
          this.setPhase("returning");
        }
      }
      if (this.phase === "outbound" || this.phase === "returning") {
        hours = this.drive(hours);
        if (hours > 0 || this.leg >= this.path.length - 1) {
          if (this.phase === "outbound") {
            this.setPhase("discharging");
            this.dischargeStart = t - hours * HOUR_MS;
            this.dischargeTonnes = 0;
          } else {
            this.setPhase("parked");
            s.trips++;
            this.trip = null;
          }
        }
      }
      if (this.phase === "discharging") {
        const rate = c.dischargeRateM3PerH ?? 40;
        const out = Math.min(s.volume, rate * hours);
        s.volume -= out;
        const tonnes = out * this.density;
        this.dischargeTonnes += tonnes;
        s.dischargedTotal += tonnes;
        hours -= rate > 0 ? out / rate : hours;
        if (s.volume <= 1e-9) {
          s.volume = 0;
          const at = { lat: s.lat, lon: s.lon };
          this.discharges.push({
            start: this.dischargeStart,
            end: t - hours * HOUR_MS,
            tonnes: this.dischargeTonnes,
            lat: at.lat,
            lon: at.lon,
            field: this.fieldAt(at),
            destination: this.trip!.destination,
          });
          this.path = [...this.path].reverse();
          this.leg = 0;
          this.legDone = 0;
          this.setPhase("returning");
        } else break;
      }
    }
    if (this.phase === "parked" || this.phase === "filling" || this.phase === "discharging") s.speed = 0;
    s.load = s.volume * this.density;
    // Sloshing: exact AR(1) over the step, sd proportional to load and to speed.
    const a = Math.exp(-dtMs / 20_000);
    const vmax = ((c.speedKmh ?? 25) * 1000) / 3600;
    const sd = ((c.sloshPct ?? 3) / 100) * s.load * Math.min(1, s.speed / vmax);
    this.slosh = a * this.slosh + Math.sqrt(1 - a * a) * this.rng.normal();
    s.weight = Math.max(0, s.load + sd * this.slosh);
    this.updateFix();
  }

  quantity(name: string): number {
    if (!(name in QUANTITIES)) throw new UnknownQuantityError(this.id, name, Object.keys(QUANTITIES));
    return this.state[name as Q];
  }

  /** Drives along the path for up to `hours`; returns the hours left over on arrival. */
  private drive(hours: number): number {
    const s = this.state;
    const v = ((this.config.speedKmh ?? 25) * 1000) / 3600; // m/s
    let budget = v * hours * 3600; // m
    while (this.leg < this.path.length - 1) {
      const a = this.path[this.leg];
      const b = this.path[this.leg + 1];
      const len = distanceM(a, b);
      const left = len - this.legDone;
      if (budget < left) {
        this.legDone += budget;
        s.odometer += budget / 1000;
        const p = lerp(a, b, len > 0 ? this.legDone / len : 1);
        s.lat = p.lat;
        s.lon = p.lon;
        s.course = bearingDeg(a, b);
        s.speed = v;
        return 0;
      }
      budget -= left;
      s.odometer += left / 1000;
      s.lat = b.lat;
      s.lon = b.lon;
      if (len > 0) s.course = bearingDeg(a, b);
      this.leg++;
      this.legDone = 0;
    }
    s.speed = 0;
    return budget / v / 3600;
  }

  private setPhase(p: TankerState): void {
    this.phase = p;
    this.state.state = TANKER_STATES.indexOf(p);
  }

  private updateFix(): void {
    const here = { lat: this.state.lat, lon: this.state.lon };
    const inZone = (this.config.noFixZones ?? []).some((z) => distanceM(here, z) <= z.radiusM);
    this.state.gpsFix = inZone ? 0 : 1;
  }
}
