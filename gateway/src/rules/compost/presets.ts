import type { PresetId } from "../config";

/**
 * Compost time–temperature presets (domain-rules.md C1–C4). Each preset is met when ANY of
 * its alternatives is met on the coolest valid probe.
 *
 * "Held for N days" is read as CONTINUOUS time at or above the threshold for every preset:
 * GB/T 36195 and GB 7959 say the temperature is 持续 (maintained) for the days, 40 CFR 503
 * App. B says "maintained at 55 °C or higher for 15 days". Short dips around a logged turning
 * are tolerated (dipToleranceH). A facility can choose "cumulative" (holdMode) instead.
 */
export interface Alternative {
  thresholdC: number;
  days: number;
  /** PFRP windrow: turnings logged while the temperature is held. */
  minTurnings?: number;
}

export interface Preset {
  id: PresetId;
  /** Rule id the preset reports as. */
  rule: "C1" | "C2" | "C3" | "C4";
  label: string;
  source: string;
  alternatives: Alternative[];
  mode: "continuous" | "cumulative";
}

export const PRESETS: Record<PresetId, Preset> = {
  gbt36195: {
    id: "gbt36195", rule: "C1", label: "GB/T 36195", source: "GB/T 36195-2018 (R, to verify)", mode: "continuous",
    alternatives: [{ thresholdC: 50, days: 7 }, { thresholdC: 45, days: 14 }],
  },
  "gb7959-manual": {
    id: "gb7959-manual", rule: "C2", label: "GB 7959 manual", source: "GB 7959-2012 Table 1 (R, to verify)", mode: "continuous",
    alternatives: [{ thresholdC: 50, days: 10 }, { thresholdC: 60, days: 5 }],
  },
  "gb7959-mechanical": {
    id: "gb7959-mechanical", rule: "C2", label: "GB 7959 mechanical", source: "GB 7959-2012 Table 1 (R, to verify)", mode: "continuous",
    alternatives: [{ thresholdC: 50, days: 2 }],
  },
  "us-pfrp-windrow": {
    id: "us-pfrp-windrow", rule: "C3", label: "US PFRP windrow", source: "40 CFR 503 App. B / 257 App. II (V)", mode: "continuous",
    alternatives: [{ thresholdC: 55, days: 15, minTurnings: 5 }],
  },
  "us-pfrp-static": {
    id: "us-pfrp-static", rule: "C4", label: "US PFRP static/in-vessel", source: "40 CFR 503 App. B (V)", mode: "continuous",
    alternatives: [{ thresholdC: 55, days: 3 }],
  },
};
