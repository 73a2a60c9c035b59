import type { AlertBook, Cond } from "./alerts";
import type { FacilitiesConfig } from "./config";
import type { Annotation, FarmEvent, LedgerEntry } from "./types";

/** What a rule module may do: report conditions and emit outputs. Nothing else (no I/O, no clock). */
export interface Ctx {
  readonly cfg: FacilitiesConfig;
  readonly book: AlertBook;
  alert(t: number, rule: string, subject: string, facility: string | null, c: Cond): void;
  ledger(e: LedgerEntry): void;
  annotate(a: Annotation): void;
  inferEvent(e: FarmEvent): void;
  /** Recorded events of a facility (operator, device or inferred) with time in [from, to]. */
  eventsBetween(facility: string, kinds: readonly string[], from: number, to: number): RecordedEvent[];
}

export interface RecordedEvent {
  t: number;
  kind: string;
  data?: unknown;
  inferred?: boolean;
}

/**
 * Protocol quality flags the rules treat as "no usable value" (protocol/src/wire/types.ts Q):
 * MODBUS_ERROR, OUT_OF_RANGE, SENSOR_FAULT, HEALTH_SUSPECT. (CLOCK_UNSYNC is about the time, not
 * the value: such readings are skipped unless the gateway corrected their time.)
 */
export const Q_BAD = 1 | 2 | 4 | 512;
