import type Database from "better-sqlite3";
import type { Role } from "../router";

/**
 * Operator sessions in the store's `sessions` table. The cookie holds a random id; only its
 * SHA-256 is stored (a copied database does not hand out live sessions).
 */
export interface SessionRow {
  idHash: string;
  userId: number;
  user: string;
  role: Role;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

export class SessionQueries {
  private readonly insertSt: Database.Statement;
  private readonly getSt: Database.Statement;
  private readonly deleteSt: Database.Statement;
  private readonly purgeSt: Database.Statement;
  private readonly userSt: Database.Statement;

  constructor(db: Database.Database) {
    this.insertSt = db.prepare("INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)");
    this.getSt = db.prepare(
      `SELECT s.id_hash AS idHash, s.user_id AS userId, u.name AS user, u.role AS role, s.csrf, s.created_at AS createdAt, s.expires_at AS expiresAt
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled = 0`,
    );
    this.deleteSt = db.prepare("DELETE FROM sessions WHERE id_hash = ?");
    this.purgeSt = db.prepare("DELETE FROM sessions WHERE expires_at <= ?");
    this.userSt = db.prepare("SELECT id, name, role, disabled, password_hash AS passwordHash FROM users WHERE name = ?");
  }

  create(idHash: string, userId: number, csrf: string, now: number, expiresAt: number): void {
    this.insertSt.run(idHash, userId, csrf, now, expiresAt);
  }

  get(idHash: string, now: number): SessionRow | null {
    return (this.getSt.get(idHash, now) as SessionRow | undefined) ?? null;
  }

  delete(idHash: string): void {
    this.deleteSt.run(idHash);
  }

  purgeExpired(now: number): number {
    return this.purgeSt.run(now).changes;
  }

  user(name: string): { id: number; name: string; role: Role; disabled: number; passwordHash: string } | null {
    return (this.userSt.get(name) as { id: number; name: string; role: Role; disabled: number; passwordHash: string } | undefined) ?? null;
  }
}
