/**
 * What every physics model shows the rest of the simulator: an id (the scenario's subject
 * name), its kind, and its current true quantities by name. The sensor layer (slaves) turns
 * these into register values with noise, quantisation, drift and faults; nothing here is noisy
 * except what is physically noisy (a tanker's load sloshing).
 */
export interface QuantitySource {
  readonly id: string;
  readonly kind: string;
  /** Names accepted by quantity(), with their units, for documentation and the CLI summary. */
  readonly quantities: Readonly<Record<string, string>>;
  /** Current true value; throws UnknownQuantityError for a name not in `quantities`. */
  quantity(name: string): number;
}

/** A model advanced by the farm's fixed physics step. */
export interface PhysicsModel extends QuantitySource {
  /** Advances the state over (t − dtMs, t]. */
  step(t: number, dtMs: number): void;
}

export class UnknownQuantityError extends Error {
  constructor(subject: string, name: string, known: readonly string[]) {
    super(`${subject} has no quantity "${name}" (known: ${known.join(", ")})`);
    this.name = "UnknownQuantityError";
  }
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Standard gravity, m/s² (CGPM 1901, ISO 80000-3). */
export const G = 9.80665;
