/**
 * The HTTP API's answers as the panel uses them (gateway/openapi.yaml documents them). The
 * shapes are the server's own types, imported type-only: one definition serves both sides, so
 * `npm run typecheck -w gateway` (it covers panel/src, with the DOM lib) fails when an answer
 * changes under a view. esbuild erases `import type`, so no server code reaches the bundle.
 *
 * The refinements at the end are what the panel relies on beyond what the server's types
 * promise, each with the reason the server does not promise it.
 */
import type { AckAnswer as ServerAckAnswer, AlertHistory as ServerAlertHistory } from "../../src/http/routes/alerts";
import type { FacilityDetail as ServerFacilityDetail } from "../../src/http/routes/facilities";
import type { Severity } from "../../src/rules/types";
import type { AlertRow, FeedTransition } from "../../src/store/queries";

export type { Role } from "../../src/store/auth";
export type { AlertState, Severity } from "../../src/rules/types";
export type { SessionAnswer as Me, OkAnswer } from "../../src/http/routes/session";
export type { HealthAnswer } from "../../src/http/routes/system";
export type { FeedLedger, FeedReading, EventRow, RollupPoint, SensorRow } from "../../src/store/queries";
export type { FacilitiesAnswer, FacilityView as Facility, LatestReading as Latest } from "../../src/http/facilities";
export type { RawPoint, ReadingsAnswer as Readings, SensorsAnswer } from "../../src/http/routes/facilities";
export type { EventPostAnswer, EventsAnswer } from "../../src/http/routes/events";
export type { FieldTotal as LedgerField, LedgerAnswer } from "../../src/http/routes/ledger";
export type { NodeView as NodeRow, NodesAnswer } from "../../src/http/routes/nodes";
export type { CommandRow, CommandState } from "../../src/store/commands";
export type { CommandAnswer, CommandsAnswer } from "../../src/http/routes/commands";
// The rules engine's panel state of each kind of facility (a facility's `state`).
export type { StorePanel as StoreState } from "../../src/rules/storage/store";
export type { PilePanel as PileState } from "../../src/rules/compost/pile";
export type { HarmlessProgress } from "../../src/rules/compost/harmlessness";
export type { TankerPanel as TankerState } from "../../src/rules/tanker/tanker";

/** An alert's message parameters (the numbers of the sentence `msg.<message>`). */
export type Params = NonNullable<AlertRow["params"]>;

/**
 * Refinement: severity is one of the rules engine's three. The store keeps whatever severity a
 * rules sink hands it (a TEXT column without CHECK, a string in the RulesSink seam), so the
 * server types say string; the panel picks icons, ranks and counters by these three.
 */
export type Alert = AlertRow & { severity: Severity };

/** Refinement: an alert transition as the feed carries it (GET /api/v1/feed, the live socket), with the rules engine's severity (see Alert). */
export type FeedAlert = FeedTransition & { severity: Severity };

/** GET /api/v1/alerts. */
export interface AlertsAnswer {
  alerts: Alert[];
}

/** GET /api/v1/alerts/{id} (its alert and transitions refined as above). */
export type AlertHistory = Omit<ServerAlertHistory, "alert" | "transitions"> & { alert: Alert; transitions: FeedAlert[] };

/** POST /api/v1/alerts/{id}/ack (refined as above). */
export type AckAnswer = Omit<ServerAckAnswer, "alert" | "transition"> & { alert: Alert | null; transition: FeedAlert | null };

/** GET /api/v1/facilities/{id} (its alerts refined as above). */
export type FacilityDetail = Omit<ServerFacilityDetail, "alerts"> & { alerts: Alert[] };
