import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Clock } from "@manure-edge/protocol";
import type { Logger } from "../log";
import { Live, type LiveOptions } from "../live/live";
import { Authenticator } from "./auth";
import { readJsonObject } from "./body";
import { HttpError, notFound, sendError, sendJson, BASE_HEADERS } from "./errors";
import { facilityDefs, rulesStateOf, type RulesPanelState } from "./facilities";
import type { HttpHost, RouteDeps } from "./host";
import { RateLimiter, type RateLimitOptions } from "./rate-limit";
import { Router, type Route } from "./router";
import { serveStatic } from "./static";
import { rejectUpgrade } from "./upgrade";
import { systemRoutes } from "./routes/system";
import { sessionRoutes } from "./routes/session";
import { facilityRoutes } from "./routes/facilities";
import { alertRoutes } from "./routes/alerts";
import { eventRoutes } from "./routes/events";
import { ledgerRoutes } from "./routes/ledger";
import { nodeRoutes } from "./routes/nodes";
import { commandRoutes } from "./routes/commands";
import { feedRoutes } from "./routes/feed";
import { tokenRoutes } from "./routes/tokens";

export interface HttpOptions {
  host: string;
  port: number;
  /** Directory of the operator panel's static files (index.html at `/`). */
  panelDir?: string;
  /** Request body limit, bytes (413 beyond). */
  bodyLimit?: number;
  sessionTtlMs?: number;
  /** Mark the session cookie Secure (set when a TLS proxy fronts the gateway). */
  secureCookie?: boolean;
  /** Take the client address for login rate limiting from X-Forwarded-For (only behind a proxy). */
  trustProxy?: boolean;
  login?: Partial<RateLimitOptions>;
  commitWaitMs?: number;
  live?: Partial<LiveOptions>;
  /** The rules sink handed to the store: its state() feeds the overview, its acknowledge() hears operator acks. */
  rules?: unknown;
  /** The rules engine's panel state (overview); default from `rules`; none: facilities answer state null. */
  rulesState?: (() => RulesPanelState | null) | null;
}

export const DEFAULT_PANEL_DIR = fileURLToPath(new URL("../../panel/", import.meta.url));
const DEFAULT_SESSION_TTL = 7 * 86_400_000;

/**
 * The HTTP API (/api/v1, /metrics), the panel's static files and the live WebSocket, on one
 * node:http server. A feature: the constructor stores its arguments, start() listens.
 */
export class Http {
  private server: Server | null = null;
  private router: Router | null = null;
  private live: Live | null = null;
  private auth: Authenticator | null = null;
  private boundPort = 0;
  private count: (labels: Record<string, string>) => void = () => undefined;
  private countError: (labels: Record<string, string>) => void = () => undefined;

  constructor(
    private readonly host: HttpHost,
    private readonly opts: HttpOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const m = this.host.metrics;
    const c = m.counter("gateway_http_requests_total", "HTTP requests answered, by route template and status");
    this.count = (l) => c(l);
    const e = m.counter("gateway_http_errors_total", "HTTP error answers, by status and error code");
    this.countError = (l) => e(l);
    const loginFailed = m.counter("gateway_http_login_failures_total", "Logins refused for a wrong user name or password");
    const loginLimited = m.counter("gateway_http_login_limited_total", "Logins refused by the per-address rate limit");

    const fac = facilityDefs(this.host.config.facilities);
    if (fac.error) this.log.warn("facilities configuration not usable by the API", { err: fac.error });
    const auth = new Authenticator(this.host.store, this.clock, { sessionTtlMs: this.opts.sessionTtlMs ?? DEFAULT_SESSION_TTL, secureCookie: this.opts.secureCookie ?? false });
    this.auth = auth;
    const limiter = new RateLimiter(this.clock, { burst: 10, refillMs: 30_000, maxEntries: 10_000, ...this.opts.login });
    const deps: RouteDeps = {
      host: this.host,
      clock: this.clock,
      log: this.log,
      auth,
      limiter,
      facilities: fac.defs,
      facilitiesConfig: fac.config,
      rulesState: this.opts.rulesState ?? rulesStateOf(this.opts.rules) ?? (() => null),
      commitWaitMs: this.opts.commitWaitMs ?? 10_000,
      clientAddress: (req) => clientAddress(req, this.opts.trustProxy ?? false),
    };
    this.router = new Router(buildRoutes(deps, { loginFailed: () => loginFailed(), loginLimited: () => loginLimited() }));
    this.live = new Live(this.host, auth, this.clock, this.log.child({ part: "live" }), this.opts.live ?? {});
    await this.live.start();

    const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => void this.handle(req, res));
    server.headersTimeout = 30_000;
    server.requestTimeout = 120_000;
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    // Malformed HTTP (bad request line, headers too large) still gets a JSON answer with a reason.
    server.on("clientError", (err: Error & { code?: string }, socket: Duplex) => {
      if (!socket.writable || err.code === "ECONNRESET") {
        socket.destroy();
        return;
      }
      const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
      const code = status === 431 ? "headers_too_large" : status === 408 ? "timeout" : "bad_request";
      this.countError({ status: String(status), error: code });
      const body = JSON.stringify({ error: code, reason: `malformed HTTP request (${err.code ?? err.message})` });
      socket.end(`HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    m.collect("gateway_http_listening", "1 while the HTTP API listens", () => [{ value: this.server ? 1 : 0 }]);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.opts.port, this.opts.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      // Ingest matters more than the panel: a taken port must not stop the gateway from
      // storing and acking the nodes' data. Said loudly in the log, with the port.
      this.log.error("http API NOT listening", { host: this.opts.host, port: this.opts.port, err: (err as Error).message });
      await this.live.stop();
      return;
    }
    const addr = server.address();
    this.boundPort = typeof addr === "object" && addr ? addr.port : this.opts.port;
    this.server = server;
    this.log.info("http listening", { host: this.opts.host, port: this.boundPort });
  }

  async stop(): Promise<void> {
    if (this.live) await this.live.stop();
    this.live = null;
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** The routes served (the OpenAPI test compares them with gateway/openapi.yaml). */
  get routes(): Route[] {
    return this.router ? this.router.routes : [];
  }

  get liveClients(): number {
    return this.live ? this.live.size : 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let label = "(none)";
    res.on("finish", () => this.count({ route: label, status: String(res.statusCode) }));
    try {
      let url: URL;
      try {
        url = new URL(req.url ?? "/", "http://gateway.invalid");
      } catch {
        throw new HttpError(400, "bad_request", "request target is not a valid URL path");
      }
      if (!(req.url ?? "").startsWith("/")) throw new HttpError(400, "bad_request", "request target must be an absolute path");
      const path = url.pathname;
      const method = req.method ?? "GET";
      if (!path.startsWith("/api/") && path !== "/metrics") {
        label = "(static)";
        if (method !== "GET" && method !== "HEAD") throw new HttpError(405, "method_not_allowed", `${method} is not allowed on static files`, { allow: "GET, HEAD" });
        serveStatic(this.opts.panelDir ?? DEFAULT_PANEL_DIR, req, res, path);
        return;
      }
      const hit = this.router!.match(method, path);
      if (!hit) throw notFound(`no route ${method} ${path.slice(0, 200)}`);
      if ("allowed" in hit) throw new HttpError(405, "method_not_allowed", `${method} is not allowed on ${path.slice(0, 200)}`, { allow: hit.allowed.join(", ") });
      const route = hit.route;
      label = route.path;
      const auth = this.auth!;
      // Public routes ignore credentials (a stale cookie must not stop a new login).
      const principal = route.access === "public" ? null : auth.identify(req);
      auth.authorize(route, principal, req);
      const limit = this.opts.bodyLimit ?? 64 * 1024;
      const reply = await route.handler({ req, res, url, params: hit.params, principal, json: () => readJsonObject(req, limit) });
      if ("streamed" in reply) return;
      if (!(await drainBody(req, limit))) (reply.headers ??= {}).connection = "close";
      if ("json" in reply) sendJson(res, reply.status ?? 200, reply.json, reply.headers);
      else {
        res.writeHead(reply.status ?? 200, { ...BASE_HEADERS, "content-type": reply.type, "content-length": String(Buffer.byteLength(reply.text)), "cache-control": "no-store", ...reply.headers });
        res.end(reply.text);
      }
    } catch (e) {
      let he: HttpError;
      if (e instanceof HttpError) he = e;
      else {
        this.log.error("http handler failed", { err: (e as Error).message, url: (req.url ?? "").slice(0, 200) });
        const code = (e as { code?: string }).code;
        he = code && /^SQLITE_(FULL|BUSY|IOERR)/.test(code) ? new HttpError(503, "unavailable", `store unavailable: ${code}`) : new HttpError(500, "internal", "internal error: " + (e as Error).message);
      }
      this.countError({ status: String(he.status), error: he.code });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // A refused body is read (up to the limit) before answering, so that the client, still
      // sending, gets the answer instead of a reset; a bigger one closes the connection.
      if (he.status === 413 || !(await drainBody(req, this.opts.bodyLimit ?? 64 * 1024))) he.headers.connection = "close";
      if (res.headersSent || res.destroyed) return;
      sendError(res, he);
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let path = "";
    try {
      path = new URL(req.url ?? "/", "http://gateway.invalid").pathname;
    } catch {
      /* answered below */
    }
    if (path !== "/api/v1/live" || !this.live) {
      rejectUpgrade(socket, 404, "not_found", "no WebSocket at this path (use /api/v1/live)");
      this.countError({ status: "404", error: "not_found" });
      return;
    }
    this.live.handleUpgrade(req, socket, head);
  }
}

/** Reads and discards what is left of a request body, up to `limit` bytes; false if more was coming. */
function drainBody(req: IncomingMessage, limit: number): Promise<boolean> {
  if (req.complete || req.readableEnded || req.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    let n = 0;
    const done = (ok: boolean) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onEnd);
      req.off("close", onEnd);
      if (!ok) req.pause();
      resolve(ok);
    };
    const onData = (c: Buffer) => {
      n += c.length;
      if (n > limit) done(false);
    };
    const onEnd = () => done(true);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onEnd);
    req.on("close", onEnd);
    req.resume();
  });
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers["x-forwarded-for"];
    const first = (Array.isArray(xff) ? xff[0] : xff)?.split(",")[0]?.trim();
    if (first) return first.slice(0, 64);
  }
  return req.socket.remoteAddress ?? "unknown";
}

export function buildRoutes(d: RouteDeps, counters: { loginFailed: () => void; loginLimited: () => void }): Route[] {
  return [
    ...systemRoutes(d),
    ...sessionRoutes(d, counters),
    ...facilityRoutes(d),
    ...alertRoutes(d),
    ...eventRoutes(d),
    ...ledgerRoutes(d),
    ...nodeRoutes(d),
    ...commandRoutes(d),
    ...feedRoutes(d),
    ...tokenRoutes(d),
    {
      // The WebSocket lives on the upgrade path (live/live.ts); a plain GET is told so.
      method: "GET",
      path: "/api/v1/live",
      access: "user",
      handler: () => {
        throw new HttpError(426, "upgrade_required", "this is a WebSocket endpoint: connect with Upgrade: websocket", { upgrade: "websocket" });
      },
    },
  ];
}
