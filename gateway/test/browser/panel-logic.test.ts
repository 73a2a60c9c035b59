import { describe, expect, it } from "vitest";
import { createRulesEngine } from "../../src/rules/engine";
import { alertText } from "../../panel/src/alert-text";
import { setLang, t } from "../../panel/src/i18n";
import { levelFromSensor, type Mounting } from "../../panel/src/level";
import { parseHash } from "../../panel/src/router";
import { rainBars, rainBin } from "../../panel/src/rain";
import type { Readings } from "../../panel/src/types";
import type { RollupPoint } from "../../src/store/queries";

/** The panel's pure parts in Node: alert texts, the level conversion, routes. */
describe("alert texts from the rules engine's message ids", () => {
  it("fills a message's params, formatted for the language, or falls back to its short form", () => {
    // (document.documentElement is the only DOM setLang touches; a stub is enough here.)
    (globalThis as { document?: unknown }).document = { documentElement: {} };
    setLang("zh-CN");
    const a = { rule: "L1", message: "rules.storage.freeboardLow", params: { freeboardM: 0.1, minM: 0.3 } };
    expect(alertText(a)).toBe("安全超高仅 0.1 米，低于下限 0.3 米（防溢流）");
    expect(alertText({ ...a, params: null })).toBe("安全超高低于下限（防溢流）");
    expect(alertText({ rule: "L1", message: null, data: { params: { freeboardM: 0.1 } } })).toBe("规则 L1 触发");
    expect(alertText({ rule: "C5", message: "rules.compost.overheat", data: { params: { maxC: 68.25, thresholdC: 65 } } })).toBe("堆温 68.25 °C 超过 65 °C，请翻堆或通风");
    setLang("en");
    expect(alertText({ rule: "T4", message: "rules.tanker.applicationRate", params: { field: "f1", season: "2026-spring", tPerMu: 3.25, capTPerMu: 3, crop: "dry" } })).toBe("Field f1 (2026-spring): 3.25 t/mu, above the cap 3 t/mu");
    expect(t("alert.ruleOnly", { rule: "X" })).toBe("Rule X triggered");
    setLang("zh-CN");
  });
});

describe("level for the store chart", () => {
  const cases: { mounting: Mounting; raw: number }[] = [
    { mounting: { kind: "distance-above", mountHeight: 0.5 }, raw: 1.37 },
    { mounting: { kind: "pressure-bottom", offset: 0.2, unit: "mH2O" }, raw: 1.9 },
    { mounting: { kind: "pressure-bottom", offset: 0.1, unit: "kPa" }, raw: 18.4 },
  ];
  for (const c of cases) {
    it(`equals the rules engine's level (${c.mounting.kind} ${c.mounting.unit ?? ""})`, () => {
      const cfg = { id: "s", type: "concrete", covered: true, surfaceM2: 100, depthToLipM: 3, density: 1.05, mounting: c.mounting, levelSensor: "n/lvl" };
      const engine = createRulesEngine({ reorderMin: 0, stores: [cfg] });
      const t0 = Date.UTC(2026, 2, 1);
      engine.process({ readings: [0, 1, 2, 3, 4].map((i) => ({ sensor: "n/lvl", t: t0 + i * 60_000, v: c.raw, q: 0 })), events: [] });
      const st = engine.state().stores[0] as { levelM: number };
      expect(levelFromSensor(c.raw, cfg)).toBeCloseTo(st.levelM, 3);
    });
  }
});

describe("hash routes", () => {
  it("parses views, ids and query parameters; anything else is the overview", () => {
    expect(parseHash("#/facility/pit%201?span=7d")).toMatchObject({ name: "facility", arg: "pit 1" });
    expect(parseHash("#/facility/pit1?span=7d").query.get("span")).toBe("7d");
    expect(parseHash("#/alerts/12")).toMatchObject({ name: "alert", arg: "12" });
    expect(parseHash("#/alerts?all=1").query.get("all")).toBe("1");
    expect(parseHash("#/ledger").name).toBe("ledger");
    expect(parseHash("#/nope").name).toBe("overview");
    expect(parseHash("").name).toBe("overview");
  });
});

describe("rain bars of the store chart", () => {
  const H = 3_600_000;
  const t0 = Date.UTC(2026, 5, 1, 0, 0);
  const g = { rainCounter: "cumulative", rainMmPerCount: 1 } as const;
  const raw = (pts: [number, number | null][]): Readings => ({ sensor: "n/rain.rain_total", res: "raw", from: 0, to: 0, truncated: false, points: pts.map(([t, v], i) => ({ seq: i, t, value: v, flags: 0, reason: null })) });
  const rollups = (res: "minute" | "hour", points: RollupPoint[]): Readings => ({ sensor: "n/rain.rain_total", res, from: 0, to: 0, truncated: false, points });

  it("adds the counter's increments per hour, across a reset and a missing value, counted at the later reading", () => {
    // 20-min readings: 1 mm at 00:20, 0.4 at 00:40, then the gauge resets (0.2 since), a reading without a value, 0.2 at 01:40.
    const r = raw([[t0, 10], [t0 + 20 * 60_000, 11], [t0 + 40 * 60_000, 11.4], [t0 + H, 0.2], [t0 + 80 * 60_000, null], [t0 + 100 * 60_000, 0.4]]);
    expect(rainBars(r, g, H, 0)).toEqual([[t0, 1.4], [t0 + H, 0.4]]);
  });

  it("gives the same daily totals from minute rollups (their last value) as from the raw readings", () => {
    const pts: [number, number][] = [];
    for (let i = 0; i <= 48; i++) pts.push([t0 + i * H, 5 + Math.min(i, 30) * 0.2]);
    const roll = rollups("minute", pts.map(([t, v]) => ({ t, min: v, max: v, avg: v, count: 1, last: v })));
    const a = rainBars(raw(pts), g, 24 * H, 480);
    expect(rainBars(roll, g, 24 * H, 480)).toEqual(a);
    // Days of Beijing time (UTC+8, from 16:00 UTC): 30 increments of 0.2 mm, 15 on the first day,
    // 15 on the second; the third day has readings and no rain: a bar of 0, not a gap.
    expect(a).toEqual([[t0 - 8 * H, 3], [t0 + 16 * H, 3], [t0 + 40 * H, 0]]);
  });

  it("takes an interval gauge's rollup as its bucket's tips (avg × count) and bins by bar width", () => {
    const roll = rollups("hour", [{ t: t0, min: 0, max: 2, avg: 0.5, count: 4, last: 0 }, { t: t0 + H, min: 0, max: 0, avg: 0, count: 4, last: 0 }]);
    expect(rainBars(roll, { rainCounter: "interval", rainMmPerCount: 0.2 }, H, 0)).toEqual([[t0, 0.4], [t0 + H, 0]]);
    expect(rainBin(6 * H)).toBe(H);
    expect(rainBin(7 * 24 * H)).toBe(24 * H);
  });
});
