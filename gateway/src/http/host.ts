import type { Clock } from "@manure-edge/protocol";
import type { EventBus } from "../bus";
import type { GatewayConfig } from "../config/schema";
import type { Health } from "../gateway";
import type { Logger } from "../log";
import type { Metrics } from "../metrics";
import type { Commands } from "../features/commands";
import type { Store } from "../store/store";
import type { CommittedTransition, EventInput } from "../store/types";
import type { Authenticator } from "./auth";
import type { FacilityDef, RulesPanelState } from "./facilities";
import type { FacilitiesConfig } from "../rules/config";
import type { RateLimiter } from "./rate-limit";

/** What the HTTP feature needs from the gateway (the Gateway class has all of it). */
export interface HttpHost {
  readonly config: GatewayConfig;
  readonly store: Store;
  readonly bus: EventBus;
  readonly metrics: Metrics;
  /** Commands to nodes (features/commands.ts); absent where a host has none. */
  readonly commands?: Commands;
  health(): Health;
  recordEvent(e: Omit<EventInput, "kind">): boolean;
  /** Stores an operator's acknowledgement with the rules engine's state, and announces it (Gateway.acknowledgeAlert). */
  acknowledgeAlert(id: number, note: string, by: string): CommittedTransition | null;
}

/** Everything a route handler may use. */
export interface RouteDeps {
  host: HttpHost;
  clock: Clock;
  log: Logger;
  auth: Authenticator;
  limiter: RateLimiter;
  facilities: FacilityDef[];
  facilitiesConfig: FacilitiesConfig | null;
  rulesState: () => RulesPanelState | null;
  /** How long a write waits for its commit before answering 202 (queued). */
  commitWaitMs: number;
  /** Client address for rate limiting (the socket's, or X-Forwarded-For when trusted). */
  clientAddress(req: import("node:http").IncomingMessage): string;
}
