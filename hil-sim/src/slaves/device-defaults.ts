/**
 * Configuration registers of devices as commissioned on a farm, for maps whose points the
 * physics does not model (map id → point → engineering value). Each entry follows the map's
 * own notes (protocol/maps/<id>.json).
 */
export const COMMISSIONED: Record<string, Record<string, number>> = {
  // "Commission the transmitter with unit = metres and 3 decimals" (hydrostatic-level notes).
  // The unit code differs between makers, so it is left at 0 rather than guessed.
  "hydrostatic-level": { decimals: 3 },
};
