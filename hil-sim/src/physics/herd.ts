/**
 * Livestock as pig-equivalents (猪当量), as county plans apply 《畜禽粪污土地承载力测算技术指南》:
 * 100 pigs = 15 dairy cows = 30 beef cattle = 250 sheep = 2 500 poultry (domain-rules.md, V).
 */
export interface HerdConfig {
  pigs?: number;
  dairyCows?: number;
  beefCattle?: number;
  sheep?: number;
  poultry?: number;
}

export const PIG_EQUIVALENT: Required<Record<keyof HerdConfig, number>> = {
  pigs: 1,
  dairyCows: 100 / 15,
  beefCattle: 100 / 30,
  sheep: 100 / 250,
  poultry: 100 / 2500,
};

export function pigEquivalents(herd: HerdConfig): number {
  let pe = 0;
  for (const k of Object.keys(PIG_EQUIVALENT) as Array<keyof HerdConfig>) pe += (herd[k] ?? 0) * PIG_EQUIVALENT[k];
  return pe;
}

/**
 * Share of a day's wastewater flowing in during each local hour (0..23): barn washing and
 * flushing after the morning and afternoon feeds, nothing from 21:00 to 06:00. The quiet nights are
 * what the seepage rule (L5, Ham 2002's method) needs. Normalised to sum to 1 where used.
 */
export const DEFAULT_INFLOW_PATTERN: readonly number[] = [
  0, 0, 0, 0, 0, 0, 0.1, 0.14, 0.12, 0.08, 0.05, 0.04, 0.03, 0.03, 0.04, 0.07, 0.11, 0.09, 0.05, 0.03, 0.02,
  0, 0, 0,
];

/** Wastewater per pig-equivalent and day, litres: the pig's 10 L of the provincial table (S). */
export const DEFAULT_LITRES_PER_PIG_EQ_DAY = 10;
