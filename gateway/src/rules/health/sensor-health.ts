import { Q } from "@manure-edge/protocol";
import { OFF, UNKNOWN } from "../alerts";
import type { Ctx } from "../context";
import type { RuleReading } from "../types";
import { percentile } from "../util/stats";
import { MIN } from "../util/time";
import type { HealthProfile } from "./profiles";

/**
 * Sensor health (domain-rules.md "Sensor health"): stale, stuck, out of range, error rate.
 * Each raises its own alert on "sensor:<key>"; readings judged suspect are annotated
 * (Q.HEALTH_SUSPECT) for the store and ignored by the rules, never dropped.
 */

export interface SensorHealthState {
  last: number | null;
  gaps: number[];
  lastV: number | null;
  sameSince: number | null;
  /** Readings in the current run of one unchanged value (since `sameSince`, no long gap). */
  sameN?: number;
  /** [t, 1 if error] over the error-rate window. */
  errs: [number, number][];
  errCount: number;
  stuck: boolean;
  outOfRange: boolean;
  disagree: boolean;
  /** Learned interval between readings (90th percentile of the last gaps), ms; refreshed every 8 readings. */
  interval: number | null;
  n: number;
}

export function newSensorHealth(): SensorHealthState {
  return { last: null, gaps: [], lastV: null, sameSince: null, errs: [], errCount: 0, stuck: false, outOfRange: false, disagree: false, interval: null, n: 0 };
}

export function isSuspect(h: SensorHealthState): boolean {
  return h.stuck || h.outOfRange || h.disagree;
}

const subj = (sensor: string) => `sensor:${sensor}`;

/** A stuck run needs this many readings of the one value (besides lasting `stuckMs`). */
export const STUCK_MIN_READINGS = 4;

/** The gap after which a sensor is stale: staleIntervals × its interval, at least staleMinMin. */
function staleLimit(ctx: Ctx, h: SensorHealthState, p: HealthProfile): number {
  const interval = p.intervalMs ?? h.interval;
  const min = ctx.cfg.health.staleMinMin * MIN;
  return interval === null ? Math.max(min, p.stuckMs / STUCK_MIN_READINGS) : Math.max(p.staleIntervals * interval, min);
}

/** Update the health of one sensor with one reading. Returns true when the reading is suspect. */
export function healthOnReading(
  ctx: Ctx, h: SensorHealthState, p: HealthProfile, facility: string, r: RuleReading,
): boolean {
  const { t, v, q } = r;
  const s = subj(r.sensor);
  const prev = h.last;
  if (h.last !== null && t > h.last) {
    h.gaps.push(t - h.last);
    if (h.gaps.length > 32) h.gaps.shift();
  }
  h.n++;
  if (h.gaps.length >= 4 && (h.interval === null || h.n % 8 === 0)) h.interval = percentile(h.gaps, 90);
  h.last = t;
  ctx.alert(t, "H.stale", s, facility, OFF);

  // Error rate: share of readings without a value (Modbus error or device fault) over a window.
  const err = v === null || (q & (Q.MODBUS_ERROR | Q.SENSOR_FAULT)) !== 0 ? 1 : 0;
  h.errs.push([t, err]);
  h.errCount += err;
  const winStart = t - ctx.cfg.health.errorWindowMin * MIN;
  while (h.errs.length > 0 && (h.errs[0] as [number, number])[0] < winStart) h.errCount -= (h.errs.shift() as [number, number])[1];
  if (h.errs.length >= ctx.cfg.health.errorMinReadings) {
    const pct = (100 * h.errCount) / h.errs.length;
    const c = pct > p.errorRatePct ? "on" : pct <= p.errorRatePct / 2 ? "off" : "band";
    ctx.alert(t, "H.errors", s, facility, c === "on"
      ? { s: "on", severity: "warn", messageId: "rules.health.errorRate", params: { pct: Math.round(pct), windowMin: ctx.cfg.health.errorWindowMin }, value: pct }
      : { s: c });
  }
  if (v === null) return h.stuck || h.disagree;

  // Out of range: flagged by the node (register map range) or outside the profile's plausible range.
  const profileOut = p.range !== null && (v < p.range[0] || v > p.range[1]);
  const out = (q & Q.OUT_OF_RANGE) !== 0 || profileOut;
  if (out) {
    h.outOfRange = true;
    ctx.alert(t, "H.range", s, facility, { s: "on", severity: "warn", messageId: "rules.health.outOfRange", params: { value: v }, value: v });
    if (profileOut && (q & Q.OUT_OF_RANGE) === 0) ctx.annotate({ sensor: r.sensor, from: t, to: t, q: Q.HEALTH_SUSPECT, reason: "out-of-range" });
  } else if ((q & Q.SENSOR_FAULT) === 0) {
    h.outOfRange = false;
    ctx.alert(t, "H.range", s, facility, OFF);
  }

  // Stuck: exactly the same value for hours on a sensor that always shows some noise. The run
  // must be SEEN: at least STUCK_MIN_READINGS readings, none more than a stale limit apart. Two
  // equal readings around an outage (power cut, link down) say nothing about the sensor.
  if (p.noiseExpected && (q & Q.SENSOR_FAULT) === 0) {
    const gapBreaks = prev !== null && t - prev > staleLimit(ctx, h, p);
    if (h.lastV !== null && v === h.lastV && !gapBreaks && h.sameSince !== null) {
      h.sameN = (h.sameN ?? 1) + 1;
      if (t - h.sameSince >= p.stuckMs && h.sameN >= STUCK_MIN_READINGS) {
        if (!h.stuck) ctx.annotate({ sensor: r.sensor, from: h.sameSince, to: t, q: Q.HEALTH_SUSPECT, reason: "stuck" });
        else ctx.annotate({ sensor: r.sensor, from: t, to: t, q: Q.HEALTH_SUSPECT, reason: "stuck" });
        h.stuck = true;
        ctx.alert(t, "H.stuck", s, facility, {
          s: "on", severity: "warn", messageId: "rules.health.stuck",
          params: { value: v, hours: Math.round((t - h.sameSince) / 360_000) / 10 }, value: v,
        });
      }
    } else {
      h.sameSince = t;
      h.sameN = 1;
      h.stuck = false;
      ctx.alert(t, "H.stuck", s, facility, OFF);
    }
    h.lastV = v;
  }
  if (h.disagree) ctx.annotate({ sensor: r.sensor, from: t, to: t, q: Q.HEALTH_SUSPECT, reason: "probe-disagrees" });
  return isSuspect(h);
}

/** Stale check at data time `now` (the latest data time processed across the farm). */
export function healthOnTick(ctx: Ctx, h: SensorHealthState, p: HealthProfile, facility: string, sensor: string, now: number): void {
  if (!p.stale || h.last === null) return;
  const interval = p.intervalMs ?? h.interval;
  if (interval === null) {
    ctx.alert(now, "H.stale", subj(sensor), facility, UNKNOWN);
    return;
  }
  if (now - h.last > staleLimit(ctx, h, p)) {
    ctx.alert(now, "H.stale", subj(sensor), facility, {
      s: "on", severity: "warn", messageId: "rules.health.stale",
      params: { lastSeen: h.last, minutes: Math.round((now - h.last) / MIN) }, value: null,
    });
  }
}

/** Probes of one pile disagreeing beyond physics (set by the pile module). */
export function setDisagree(ctx: Ctx, h: SensorHealthState, facility: string, sensor: string, t: number, on: boolean, value: number): void {
  h.disagree = on;
  ctx.alert(t, "H.disagree", subj(sensor), facility, on
    ? { s: "on", severity: "warn", messageId: "rules.health.probeDisagrees", params: { value }, value }
    : OFF);
}
