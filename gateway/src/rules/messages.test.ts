import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MESSAGES, formatMessage } from "./messages";
import { runSynth } from "./testing/run";
import { synthFarm } from "./testing/synth";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

describe("message catalogue", () => {
  it("has Chinese and English for every message id the rules emit", () => {
    const dir = new URL(".", import.meta.url).pathname;
    const ids = new Set<string>();
    for (const f of sources(dir)) for (const m of readFileSync(f, "utf8").matchAll(/"(rules\.(?:compost|storage|tanker|health|config)\.\w+)"/g)) ids.add(m[1]!);
    expect(ids.size).toBeGreaterThan(25);
    for (const id of ids) expect(Object.keys(MESSAGES[id] ?? {}), id).toEqual(["zh", "en"]);
  });

  it("renders the transitions of a faulty month with every placeholder filled", () => {
    const out = runSynth(synthFarm({
      seed: 61, days: 24,
      store: { leakMmD: 8, dump: { day: 20, hour: 14, m: 0.1 }, undeclaredCatchmentM2: 400, rains: [{ day: 14, hour: 11, hours: 3, mm: 40 }] },
      pile: { rainDrop: { day: 9, dropC: 15 }, overheat: { day: 6, hours: 8, addC: 12 }, noReheat: { day: 12 } },
      tanker: { roadDischargeDay: 5, weighFactor: 0.8, areaMu: 40 },
    }));
    const seen = new Set(out.transitions.map((t) => t.messageId));
    expect(seen.size).toBeGreaterThan(8);
    for (const t of out.transitions) {
      for (const lang of ["zh", "en"] as const) {
        const s = formatMessage(t.messageId, t.params, lang);
        expect(s, `${t.messageId} ${lang}`).not.toMatch(/[{}]/);
        expect(s).not.toBe(t.messageId);
      }
    }
    expect(formatMessage("rules.compost.noReheat", { turnedAt: Date.parse("2026-06-09T02:00:00Z"), hours: 48, thresholdC: 55, maxC: 49 }, "en"))
      .toBe("No reheat to 55 °C within 48 h of the turning at 2026-06-09 10:00 (now 49 °C)");
  });
});
