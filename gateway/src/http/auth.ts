import type { IncomingMessage } from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "@manure-edge/protocol";
import type { Store } from "../store/store";
import { sha256 } from "../store/auth";
import { HttpError, forbidden, unauthorized } from "./errors";
import { SessionQueries } from "./queries/sessions";
import { dummyHash, verifySecretAsync } from "./password";
import type { Role, Route } from "./router";

export const SESSION_COOKIE = "fg_session";
export const CSRF_HEADER = "x-csrf-token";

export type Principal =
  | { kind: "session"; user: string; userId: number; role: Role; csrf: string; idHash: string; expiresAt: number }
  | { kind: "token"; name: string; scope: string };

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Cookie header (RFC 6265 §4.2) to a map; malformed pairs are skipped, never thrown on. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim().replace(/^"(.*)"$/, "$1");
    if (!out.has(k)) out.set(k, v);
  }
  return out;
}

export interface AuthOptions {
  sessionTtlMs: number;
  /** Add `Secure` to the cookie (when the panel is served over TLS by a proxy). */
  secureCookie: boolean;
}

/**
 * Operator sessions (cookie, CSRF token per session) and county tokens (Bearer, read scope).
 */
export class Authenticator {
  private readonly sessions: SessionQueries;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly opts: AuthOptions,
  ) {
    this.sessions = new SessionQueries(store.db);
  }

  /** Who is calling: null when no credential was offered; throws 401 for a bad one. */
  identify(req: IncomingMessage): Principal | null {
    const authz = req.headers.authorization;
    if (authz !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
      if (!m) throw unauthorized("Authorization header must be 'Bearer <token>'");
      if (m[1].length > 200) throw unauthorized("token is not valid or was revoked");
      const row = this.store.checkToken(m[1]);
      if (!row) throw unauthorized("token is not valid or was revoked");
      return { kind: "token", name: row.name, scope: row.scope };
    }
    const sid = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (sid === undefined) return null;
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(sid)) throw unauthorized("session cookie is malformed: log in again");
    const s = this.sessions.get(sha256(sid), this.clock.now());
    if (!s) throw unauthorized("session expired or logged out: log in again");
    return { kind: "session", user: s.user, userId: s.userId, role: s.role, csrf: s.csrf, idHash: s.idHash, expiresAt: s.expiresAt };
  }

  /** Throws unless `p` may call `route` (401 none, 403 wrong kind, scope, role or CSRF). */
  authorize(route: Route, p: Principal | null, req: IncomingMessage): void {
    if (route.access === "public") return;
    if (!p) throw unauthorized("log in (session cookie) or send 'Authorization: Bearer <token>'");
    if (p.kind === "token") {
      if (route.access !== "read" || route.method !== "GET") throw forbidden(`API token '${p.name}' (scope ${p.scope}) may not call ${route.method} ${route.path}`);
      return;
    }
    if (route.role && RANK[p.role] < RANK[route.role]) throw forbidden(`role ${p.role} may not call ${route.method} ${route.path} (needs ${route.role})`);
    if (route.method !== "GET") {
      const h = req.headers[CSRF_HEADER];
      const given = Buffer.from(typeof h === "string" ? h : "");
      const want = Buffer.from(p.csrf);
      if (given.length !== want.length || !timingSafeEqual(given, want)) throw forbidden(`missing or wrong ${CSRF_HEADER} header (get it from login or GET /api/v1/me)`);
    }
  }

  /** Checks the password; on success creates a session and returns the cookie and CSRF token. */
  async login(user: string, password: string): Promise<{ cookie: string; csrf: string; user: string; role: Role; expiresAt: number } | null> {
    const row = this.sessions.user(user);
    const ok = await verifySecretAsync(password, row ? row.passwordHash : dummyHash());
    if (!row || !ok || row.disabled) return null;
    const sid = randomBytes(32).toString("base64url");
    const csrf = randomBytes(32).toString("base64url");
    const now = this.clock.now();
    const expiresAt = now + this.opts.sessionTtlMs;
    this.sessions.purgeExpired(now);
    this.sessions.create(sha256(sid), row.id, csrf, now, expiresAt);
    return { cookie: this.cookie(sid, Math.floor(this.opts.sessionTtlMs / 1000)), csrf, user: row.name, role: row.role, expiresAt };
  }

  logout(p: Principal): string {
    if (p.kind === "session") this.sessions.delete(p.idHash);
    return this.cookie("", 0);
  }

  /** Session of an upgrade request (WebSocket): null when none or invalid, never throws. */
  sessionOf(req: IncomingMessage): Extract<Principal, { kind: "session" }> | null {
    try {
      const sid = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
      if (sid === undefined) return null;
      const p = this.identifyCookieOnly(sid);
      return p;
    } catch (e) {
      if (e instanceof HttpError) return null;
      throw e;
    }
  }

  private identifyCookieOnly(sid: string): Extract<Principal, { kind: "session" }> | null {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(sid)) return null;
    const s = this.sessions.get(sha256(sid), this.clock.now());
    return s ? { kind: "session", user: s.user, userId: s.userId, role: s.role, csrf: s.csrf, idHash: s.idHash, expiresAt: s.expiresAt } : null;
  }

  /** HttpOnly: no script reads it; SameSite=Strict: no cross-site request carries it (RFC 6265bis §5.4.7). */
  private cookie(value: string, maxAgeS: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${this.opts.secureCookie ? "; Secure" : ""}`;
  }
}
