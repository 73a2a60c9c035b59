/**
 * Named climates. Monthly normals are rounded, plausible figures for the two county types the
 * project targets, chosen so that a simulated year reproduces the figures in the issue
 * (domain-rules.md): they are not station records.
 *
 * - ne-china-semiarid: a cold semi-arid county of western Liaoning (Köppen BSk/Dwa border):
 *   annual mean ≈ 8.7 °C, extremes about −28 °C and 42 °C, ≈ 475 mm of rain a year, most of it
 *   in July and August.
 * - hunan-subtropical: a humid subtropical Hunan county (Köppen Cfa): mean ≈ 17 °C,
 *   ≈ 1400 mm a year, wettest in spring and early summer (the plum rains, 梅雨), hot July.
 */
export interface Climate {
  id: string;
  name: string;
  /** Local time offset from UTC, hours (China Standard Time is UTC+8 everywhere). */
  utcOffsetH: number;
  /** Mean air temperature per month, °C, January first. */
  monthlyMeanC: number[];
  /** Mean daily range (max − min) per month, °C. */
  dailyRangeC: number[];
  /** Weather noise on top of season and day: AR(1) with this standard deviation, °C ... */
  noiseSdC: number;
  /** ... and this correlation time, hours (synoptic systems last days). */
  noiseTauH: number;
  /** Precipitation per month, mm. */
  monthlyRainMm: number[];
  /** Days with rain per month (each rain day is one event here). */
  monthlyRainDays: number[];
  /** Mean relative humidity per month, %. */
  monthlyRhPct: number[];
  /** Duration of one rain event, hours, drawn uniformly in [min, max]. */
  rainDurationH: [number, number];
}

export const CLIMATES: Record<string, Climate> = {
  "ne-china-semiarid": {
    id: "ne-china-semiarid",
    name: "Cold semi-arid county, north-east China (western Liaoning)",
    utcOffsetH: 8,
    monthlyMeanC: [-10.6, -6.4, 1.2, 10.4, 18.0, 22.5, 25.0, 23.5, 17.4, 9.2, -0.3, -7.9],
    dailyRangeC: [12, 12.5, 13, 14, 14, 12, 10, 10, 12, 13, 12, 11.5],
    noiseSdC: 4.2,
    noiseTauH: 48,
    monthlyRainMm: [2, 4, 8, 22, 40, 75, 130, 110, 45, 25, 10, 4],
    monthlyRainDays: [1.5, 2, 3, 5, 7, 10, 13, 11, 7, 4, 2.5, 1.5],
    monthlyRhPct: [50, 46, 44, 42, 48, 62, 75, 76, 66, 58, 55, 52],
    rainDurationH: [2, 10],
  },
  "hunan-subtropical": {
    id: "hunan-subtropical",
    name: "Humid subtropical county, Hunan",
    utcOffsetH: 8,
    monthlyMeanC: [4.6, 6.8, 11, 17, 22, 25.8, 29, 28.3, 24, 18.5, 12.5, 7],
    dailyRangeC: [6, 6, 7, 7.5, 8, 7.5, 8, 8, 8, 8, 8, 7],
    noiseSdC: 2.5,
    noiseTauH: 48,
    monthlyRainMm: [70, 90, 140, 190, 210, 210, 130, 110, 70, 75, 65, 40],
    monthlyRainDays: [12, 13, 17, 17, 17, 15, 11, 11, 9, 9, 9, 9],
    monthlyRhPct: [81, 82, 83, 82, 81, 80, 74, 76, 77, 77, 78, 77],
    rainDurationH: [3, 14],
  },
};

export function climateById(id: string): Climate {
  const c = CLIMATES[id];
  if (!c) throw new Error(`unknown climate "${id}" (known: ${Object.keys(CLIMATES).join(", ")})`);
  return c;
}
