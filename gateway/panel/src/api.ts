import type {
  AckAnswer, AlertHistory, AlertsAnswer, CommandAnswer, CommandsAnswer, EventPostAnswer, EventsAnswer, FacilitiesAnswer, FacilityDetail, HealthAnswer, LedgerAnswer, Me,
  NodesAnswer, OkAnswer, Readings, SensorsAnswer,
} from "./types";

/** An API error answer ({error, reason}) or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`${status} ${code}: ${reason}`);
  }
}

let csrf = "";
let onUnauthorized: () => void = () => undefined;

export function setCsrf(token: string): void {
  csrf = token;
}

export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

/** JSON request to the gateway (same origin, session cookie); writes carry x-csrf-token. */
export async function api<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") {
    headers["content-type"] = "application/json";
    if (csrf) headers["x-csrf-token"] = csrf;
  }
  let res: Response;
  try {
    res = await fetch("/api/v1" + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, "network", (e as Error).message);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const j = (json ?? {}) as { error?: string; reason?: string };
    if (res.status === 401 && path !== "/login") onUnauthorized();
    throw new ApiError(res.status, j.error ?? "http", j.reason ?? res.statusText);
  }
  return json as T;
}

const enc = encodeURIComponent;

export const API = {
  me: () => api<Me>("GET", "/me"),
  login: (user: string, password: string) => api<Me>("POST", "/login", { user, password }),
  logout: () => api<OkAnswer>("POST", "/logout", {}),
  facilities: () => api<FacilitiesAnswer>("GET", "/facilities"),
  facility: (id: string) => api<FacilityDetail>("GET", "/facilities/" + enc(id)),
  readings: (sensor: string, from: number, to: number) => api<Readings>("GET", `/sensors/${enc(sensor)}/readings?from=${from}&to=${to}`),
  sensors: () => api<SensorsAnswer>("GET", "/sensors"),
  alerts: (state: "open" | "all", limit = 500) => api<AlertsAnswer>("GET", `/alerts?state=${state}&limit=${limit}`),
  alert: (id: number) => api<AlertHistory>("GET", "/alerts/" + id),
  ack: (id: number, note: string) => api<AckAnswer>("POST", `/alerts/${id}/ack`, { note }),
  events: (from: number, to: number, facility?: string) => api<EventsAnswer>("GET", `/events?from=${from}&to=${to}${facility ? "&facility=" + enc(facility) : ""}`),
  recordEvent: (e: { facility: string; type: string; t?: number; note?: string }) => api<EventPostAnswer>("POST", "/events", e),
  ledger: () => api<LedgerAnswer>("GET", "/ledger"),
  nodes: () => api<NodesAnswer>("GET", "/nodes"),
  nodeCommands: (node: string, limit = 5) => api<CommandsAnswer>("GET", `/nodes/${enc(node)}/commands?limit=${limit}`),
  sendCommand: (node: string, op: "ping" | "resend") => api<CommandAnswer>("POST", `/nodes/${enc(node)}/commands`, { op }),
  health: () => api<HealthAnswer>("GET", "/health"),
};
