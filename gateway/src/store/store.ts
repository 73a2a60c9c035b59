import type Database from "better-sqlite3";
import type { Clock } from "@manure-edge/protocol";
import type { RulesSink } from "../rules-sink";
import { diskUse, openDatabase, type DiskUse } from "./db";
import { migrate } from "./migrations";
import { BatchWriter } from "./writer";
import { ForwardState } from "./forward";
import { deleteOldReadings } from "./retention";
import * as q from "./queries";
import * as auth from "./auth";
import { feedPage } from "./feed-page";
import type { CommittedBatch, CommittedTransition, IngestItem } from "./types";

export interface StoreOptions {
  path: string;
  synchronous: "FULL" | "NORMAL";
  maxPageCount?: number;
  clock: Clock;
  rules?: RulesSink | null;
}

/**
 * The gateway's SQLite store: one writer connection (better-sqlite3 is synchronous, so
 * transactions never interleave), the batch writer, and every named query the API needs.
 */
export class Store {
  private handle: Database.Database | null = null;
  private writer: BatchWriter | null = null;

  constructor(private readonly opts: StoreOptions) {}

  async start(): Promise<void> {
    this.open();
  }

  async stop(): Promise<void> {
    this.close();
  }

  open(): void {
    if (this.handle) return;
    const db = openDatabase(this.opts.path, { synchronous: this.opts.synchronous, maxPageCount: this.opts.maxPageCount });
    try {
      migrate(db, this.opts.clock.now());
      this.writer = new BatchWriter(db, this.opts.rules ?? null);
    } catch (e) {
      db.close();
      throw e;
    }
    this.handle = db;
  }

  close(): void {
    if (!this.handle) return;
    try {
      // Fold the WAL back so the file copied off the box is complete on its own.
      this.handle.pragma("wal_checkpoint(TRUNCATE)");
    } catch {
      /* disk full: the WAL stays, SQLite replays it at next open */
    }
    this.handle.close();
    this.handle = null;
    this.writer = null;
  }

  get db(): Database.Database {
    if (!this.handle) throw new Error("store is not open");
    return this.handle;
  }

  get path(): string {
    return this.opts.path;
  }

  /** One group-commit transaction. Throws on SQLite errors (SQLITE_FULL...) with nothing written. */
  write(items: IngestItem[]): CommittedBatch {
    if (!this.writer) throw new Error("store is not open");
    return this.writer.write(items, this.opts.clock.now());
  }

  /**
   * An operator acknowledges a raised alert: the transition and the rules engine's state after
   * it are stored in one transaction (BatchWriter.acknowledge). Null unless the alert is raised.
   * Announcing it (bus "committed") is the caller's: Gateway.acknowledgeAlert does both.
   */
  acknowledgeAlert(id: number, note: string, by: string, onRulesRefused?: (err: Error) => void): CommittedTransition | null {
    if (!this.writer) throw new Error("store is not open");
    return this.writer.acknowledge(id, note, by, this.opts.clock.now(), onRulesRefused);
  }

  /** Increments and returns the gateway's own boot counter (the direct poller's "boot"). */
  nextGatewayBoot(): number {
    return this.db.transaction(() => {
      const r = this.db.prepare("SELECT value FROM meta WHERE key = 'gateway_boot'").get() as { value: string } | undefined;
      const boot = (r ? Number(r.value) : 0) + 1;
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('gateway_boot', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(boot));
      return boot;
    })();
  }

  lastFeedSeq(): number {
    return this.writer ? this.writer.lastFeedSeq : q.lastFeedSeq(this.db);
  }

  forward(name: string): ForwardState {
    return new ForwardState(this.db, name);
  }

  diskUse(): DiskUse {
    return diskUse(this.db, this.opts.path);
  }

  /** Changes the page quota at run time (also how tests simulate a disk that fills and frees). */
  setMaxPageCount(pages: number): number {
    return this.db.pragma(`max_page_count = ${Math.floor(pages)}`, { simple: true }) as number;
  }

  integrityCheck(): string {
    return this.db.pragma("integrity_check", { simple: true }) as string;
  }

  deleteOldReadings(before: number, keepAfterSeq: number): number {
    return deleteOldReadings(this.db, before, keepAfterSeq);
  }

  // Named queries (see ./queries.ts and ./auth.ts), for the HTTP API, CLI and features.
  nodes = () => q.listNodes(this.db);
  sequenceGaps = (node?: string) => q.sequenceGaps(this.db, node);
  sensors = () => q.listSensors(this.db);
  sensorId = (node: string, key: string) => q.sensorId(this.db, node, key);
  rawReadings = (sensor: number, from: number, to: number, limit?: number) => q.rawReadings(this.db, sensor, from, to, limit);
  rollupSeries = (sensor: number, res: "minute" | "hour", from: number, to: number) => q.rollupSeries(this.db, sensor, res, from, to);
  feedAfter = (after: number, limit: number) => q.feedAfter(this.db, after, limit);
  feedPage = (after: number, limit: number, upTo?: number) => feedPage(this.db, after, limit, upTo);
  alerts = (opts?: { open?: boolean; limit?: number }) => q.listAlerts(this.db, opts);
  alert = (id: number) => q.getAlert(this.db, id);
  events = (from: number, to: number, facility?: string) => q.listEvents(this.db, from, to, facility);
  ledger = (from: number, to: number) => q.listLedger(this.db, from, to);
  recentRejects = (limit?: number) => q.recentRejects(this.db, limit);
  rejectCounts = () => q.rejectCountsByReason(this.db);
  readingsInRange = (from: number, to: number) => q.readingsInRange(this.db, from, to);
  tableCounts = () => q.tableCounts(this.db);
  addUser = (name: string, password: string, role: auth.Role) => auth.addUser(this.db, name, password, role, this.opts.clock.now());
  checkUserPassword = (name: string, password: string) => auth.checkUserPassword(this.db, name, password);
  users = () => auth.listUsers(this.db);
  addToken = (name: string, scope = "read") => auth.addToken(this.db, name, scope, this.opts.clock.now());
  revokeToken = (name: string) => auth.revokeToken(this.db, name, this.opts.clock.now());
  checkToken = (token: string) => auth.checkToken(this.db, token);
  tokens = () => auth.listTokens(this.db);
}
