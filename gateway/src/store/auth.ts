import type Database from "better-sqlite3";
import { createHash, randomBytes } from "node:crypto";
import { hashSecret, verifySecret } from "../config/passwords";

/**
 * Operators and county API tokens. Passwords are scrypt-hashed (slow on purpose); tokens are
 * 32 random bytes, so a SHA-256 of them is enough (nothing to brute-force) and a lookup by
 * hash costs one index probe per HTTP request.
 */
export type Role = "viewer" | "operator" | "admin";

export interface UserRow {
  id: number;
  name: string;
  role: Role;
  disabled: boolean;
}

export function addUser(db: Database.Database, name: string, password: string, role: Role, now: number): UserRow {
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new Error("user name: 1..64 characters of A-Z a-z 0-9 _ . @ -");
  if (password.length < 8) throw new Error("password: at least 8 characters");
  const r = db.prepare("INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)").run(name, hashSecret(password), role, now);
  return { id: Number(r.lastInsertRowid), name, role, disabled: false };
}

/** The user when name and password match an enabled user, else null. */
export function checkUserPassword(db: Database.Database, name: string, password: string): UserRow | null {
  const r = db.prepare("SELECT id, name, role, disabled, password_hash FROM users WHERE name = ?").get(name) as
    | { id: number; name: string; role: Role; disabled: number; password_hash: string }
    | undefined;
  if (!r || r.disabled) return null;
  return verifySecret(password, r.password_hash) ? { id: r.id, name: r.name, role: r.role, disabled: false } : null;
}

export function listUsers(db: Database.Database): UserRow[] {
  return (db.prepare("SELECT id, name, role, disabled FROM users ORDER BY name").all() as { id: number; name: string; role: Role; disabled: number }[]).map((r) => ({
    ...r,
    disabled: r.disabled !== 0,
  }));
}

export function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

export interface TokenRow {
  id: number;
  name: string;
  scope: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Creates a token; the clear token is returned once and never stored. */
export function addToken(db: Database.Database, name: string, scope: string, now: number): { token: string; row: TokenRow } {
  const token = "fgt_" + randomBytes(32).toString("base64url");
  const r = db.prepare("INSERT INTO api_tokens (name, token_hash, scope, created_at) VALUES (?, ?, ?, ?)").run(name, sha256(token), scope, now);
  return { token, row: { id: Number(r.lastInsertRowid), name, scope, createdAt: now, revokedAt: null } };
}

export function revokeToken(db: Database.Database, name: string, now: number): boolean {
  return db.prepare("UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL").run(now, name).changes > 0;
}

/** The token's row when it exists and is not revoked. */
export function checkToken(db: Database.Database, token: string): TokenRow | null {
  const r = db
    .prepare("SELECT id, name, scope, created_at AS createdAt, revoked_at AS revokedAt FROM api_tokens WHERE token_hash = ?")
    .get(sha256(token)) as TokenRow | undefined;
  return r && r.revokedAt === null ? r : null;
}

export function listTokens(db: Database.Database): TokenRow[] {
  return db.prepare("SELECT id, name, scope, created_at AS createdAt, revoked_at AS revokedAt FROM api_tokens ORDER BY name").all() as TokenRow[];
}
