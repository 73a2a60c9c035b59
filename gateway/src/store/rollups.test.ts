import { afterEach, expect, it } from "vitest";
import { join } from "node:path";
import fc from "fast-check";
import { Q } from "@manure-edge/protocol";
import { tempDir } from "../../../test/support/tmp";
import { ManualClock } from "../../test/support/manual-clock";
import { Store } from "./store";
import { HOUR, MINUTE } from "./rollups";
import type { ReadingInput, UplinkInput } from "./types";

const T0 = Date.UTC(2026, 2, 1);
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

/**
 * The rollups as the chart contract defines them (migrations.ts: bucket = start of the
 * minute/hour, avg = sum / count, last = value at the latest data time; readings without a
 * value or flagged MODBUS_ERROR/SENSOR_FAULT left out), computed by SQL from the stored rows.
 * On a tie of data times the later stored reading (higher id) is the last, as in the upsert.
 */
function fromRows(s: Store, size: number): unknown[] {
  return s.db
    .prepare(
      `WITH g AS (
         SELECT id, sensor_id, t, value, t - (((t % :m) + :m) % :m) AS bucket FROM readings
         WHERE value IS NOT NULL AND (flags & :excluded) = 0)
       SELECT sensor_id, bucket, MIN(value) AS min, MAX(value) AS max, SUM(value) AS sum, COUNT(*) AS count,
         (SELECT value FROM g AS l WHERE l.sensor_id = g.sensor_id AND l.bucket = g.bucket ORDER BY t DESC, id DESC LIMIT 1) AS last,
         MAX(t) AS last_t
       FROM g GROUP BY sensor_id, bucket ORDER BY sensor_id, bucket`,
    )
    .all({ m: size, excluded: Q.MODBUS_ERROR | Q.SENSOR_FAULT });
}

function stored(s: Store, table: "rollup_minute" | "rollup_hour"): unknown[] {
  return s.db.prepare(`SELECT sensor_id, bucket, min, max, sum, count, last, last_t FROM ${table} ORDER BY sensor_id, bucket`).all();
}

const readingArb = fc.record({
  node: fc.constantFrom("n1", "n2"),
  key: fc.constantFrom("a.x", "b.y", "c.z"),
  // Minutes and hours either side of T0, at bucket edges and often at the same t (ties).
  dt: fc.tuple(fc.integer({ min: -125, max: 185 }), fc.constantFrom(0, 1, 29_999, 59_999)).map(([m, o]) => m * MINUTE + o),
  // Quarters: sums are exact in any order, so SQL's SUM and the accumulator's agree to the bit.
  value: fc.option(fc.integer({ min: -4000, max: 4000 }).map((q) => q / 4), { freq: 8 }),
  flags: fc.constantFrom(0, 0, 0, Q.MODBUS_ERROR, Q.SENSOR_FAULT, Q.CLOCK_UNSYNC | Q.TIME_CORRECTED),
});

it("the rollups accumulated over random batches equal a GROUP BY over the stored readings", () => {
  fc.assert(
    fc.property(
      fc.array(readingArb, { minLength: 1, maxLength: 400, size: "max" }),
      fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }),
      fc.boolean(),
      (rs, cuts, sorted) => {
        const d = tempDir("gw-rollups-");
        dirs.push(d);
        const s = new Store({ path: join(d.dir, "g.db"), synchronous: "NORMAL", clock: new ManualClock(T0) });
        s.open();
        try {
          // Node clocks send in time order most of the time: both orders are checked.
          const list = sorted ? [...rs].sort((a, b) => a.dt - b.dt) : rs;
          // Messages of `cuts[i]` readings, one transaction per two messages.
          const msgs: UplinkInput[] = [];
          const seq = { n1: 0, n2: 0 };
          for (let i = 0, c = 0; i < list.length; c++) {
            const part = list.slice(i, i + cuts[c % cuts.length]);
            i += part.length;
            for (const node of ["n1", "n2"] as const) {
              const readings: ReadingInput[] = part
                .filter((r) => r.node === node)
                .map((r) => ({ key: r.key, t: T0 + r.dt, value: r.value, flags: r.flags, reason: null, lat: null, lon: null, fix: null }));
              if (readings.length > 0) msgs.push({ kind: "up", node, boot: 1, seq: ++seq[node], sentT: T0, receivedAt: T0, readings });
            }
          }
          for (let i = 0; i < msgs.length; i += 2) s.write(msgs.slice(i, i + 2));
          const minute = stored(s, "rollup_minute");
          expect(minute).toEqual(fromRows(s, MINUTE));
          expect(stored(s, "rollup_hour")).toEqual(fromRows(s, HOUR));
          // Not vacuous: the random batch produced groups unless every reading was left out.
          const counted = rs.filter((r) => r.value !== null && (r.flags & (Q.MODBUS_ERROR | Q.SENSOR_FAULT)) === 0).length;
          expect(minute.length > 0).toBe(counted > 0);
        } finally {
          s.close();
        }
      },
    ),
    { numRuns: 40 },
  );
});
