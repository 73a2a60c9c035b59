import { parseDuration } from "../clock/duration";
import type { FarmPhysics } from "../physics/farm";
import type { Expectation } from "./types";

export type ExpectationStatus = "pass" | "fail" | "deferred";

export interface ExpectationResult {
  expect: Expectation;
  status: ExpectationStatus;
  /** Why it passed or failed, or who evaluates it when deferred. */
  detail: string;
}

/** An expectation the runner evaluates from the physics, observed after every step. */
interface Evaluator {
  observe(t: number): void;
  result(): ExpectationResult;
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(3)).toString() : String(x));
const days = (ms: number) => `day ${fmt(ms / 86_400_000)}`;

/** Builds the evaluator of one expectation; gateway-level ones come back deferred. */
export function evaluator(ex: Expectation, farm: FarmPhysics, start: number): Evaluator {
  const window = "between" in ex && ex.between ? ex.between.map(parseDuration) : [0, Infinity];
  const inWindow = (t: number) => t - start >= window[0] && t - start <= window[1];
  const deferred = (detail: string): Evaluator => ({
    observe() {},
    result: () => ({ expect: ex, status: "deferred", detail }),
  });

  if ("alert" in ex || "noAlert" in ex || "noAlerts" in ex || "ledger" in ex)
    return deferred("gateway alerts: evaluated by the gateway integration (recorded here)");
  if ("noReadingLost" in ex) return deferred("readings: evaluated by the node/gateway integration (recorded here)");

  if ("overflow" in ex || "noOverflow" in ex) {
    const id = "overflow" in ex ? ex.overflow : ex.noOverflow;
    const store = farm.store(id);
    let first: number | undefined;
    let last = store.quantity("spilledTotal");
    return {
      observe(t) {
        const spilled = store.quantity("spilledTotal");
        if (spilled > last && first === undefined && inWindow(t)) first = t;
        last = spilled;
      },
      result() {
        const spilled = store.quantity("spilledTotal");
        if ("overflow" in ex)
          return first !== undefined
            ? { expect: ex, status: "pass", detail: `${id} overflowed from ${days(first - start)}, ${fmt(spilled)} m³ spilled` }
            : { expect: ex, status: "fail", detail: `${id} did not overflow in the window (spilled ${fmt(spilled)} m³ in all)` };
        return spilled === 0
          ? { expect: ex, status: "pass", detail: `${id} never overflowed` }
          : { expect: ex, status: "fail", detail: `${id} spilled ${fmt(spilled)} m³` };
      },
    };
  }

  if ("quantity" in ex) {
    const [subject, name] = splitQ(ex.quantity);
    const model = farm.model(subject);
    let max = -Infinity;
    let min = Infinity;
    let sum = 0;
    let n = 0;
    let final = NaN;
    return {
      observe(t) {
        if (!inWindow(t)) return;
        const v = model.quantity(name);
        max = Math.max(max, v);
        min = Math.min(min, v);
        sum += v;
        n++;
        final = v;
      },
      result() {
        const v = { max, min, final, mean: n > 0 ? sum / n : NaN }[ex.stat];
        const okAbove = ex.above === undefined || v > ex.above;
        const okBelow = ex.below === undefined || v < ex.below;
        const bounds = [ex.above !== undefined ? `> ${ex.above}` : "", ex.below !== undefined ? `< ${ex.below}` : ""].filter(Boolean).join(" and ");
        return {
          expect: ex,
          status: n > 0 && okAbove && okBelow ? "pass" : "fail",
          detail: n > 0 ? `${ex.stat} of ${ex.quantity} = ${fmt(v)} (wanted ${bounds})` : "no samples in the window",
        };
      },
    };
  }

  if ("held" in ex) {
    const [subject, name] = splitQ(ex.held);
    const model = farm.model(subject);
    const need = parseDuration(ex.for);
    let since: number | undefined;
    let best = 0;
    let metAt: number | undefined;
    let prevT: number | undefined;
    return {
      observe(t) {
        if (!inWindow(t)) {
          since = undefined;
          return;
        }
        if (model.quantity(name) >= ex.atLeast) {
          if (since === undefined) since = prevT ?? t;
          best = Math.max(best, t - since);
          if (metAt === undefined && t - since >= need) metAt = t;
        } else since = undefined;
        prevT = t;
      },
      result: () =>
        metAt !== undefined
          ? { expect: ex, status: "pass", detail: `${ex.held} ≥ ${ex.atLeast} for ${ex.for} by ${days(metAt - start)}` }
          : { expect: ex, status: "fail", detail: `${ex.held} ≥ ${ex.atLeast} for at most ${fmt(best / 86_400_000)} d (wanted ${ex.for})` },
    };
  }

  if ("discharge" in ex) {
    const tankers = ex.tanker ? [farm.tanker(ex.tanker)] : [...farm.tankers.values()];
    return {
      observe() {},
      result() {
        const hits = tankers.flatMap((tk) =>
          tk.discharges
            .filter((d) => inWindow(d.end))
            .filter((d) => (ex.discharge === "ELSEWHERE" ? d.field === null : d.field === ex.discharge || d.destination === ex.discharge))
            .map((d) => `${tk.id}: ${fmt(d.tonnes)} t at ${days(d.end - start)} on ${d.field ?? "no registered field"}`),
        );
        return hits.length > 0
          ? { expect: ex, status: "pass", detail: hits.join("; ") }
          : { expect: ex, status: "fail", detail: `no discharge ${ex.discharge === "ELSEWHERE" ? "off the registered fields" : `on ${ex.discharge}`}` };
      },
    };
  }
  return deferred("unknown expectation kind");
}

function splitQ(q: string): [string, string] {
  const dot = q.indexOf(".");
  return [q.slice(0, dot), q.slice(dot + 1)];
}
