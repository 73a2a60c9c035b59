import { describe, expect, it } from "vitest";
import { createRulesEngine } from "../../src/rules/engine";
import { alertText } from "../../panel/src/alert-text";
import { setLang, t } from "../../panel/src/i18n";
import { levelFromSensor, type Mounting } from "../../panel/src/level";
import { parseHash } from "../../panel/src/router";

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
