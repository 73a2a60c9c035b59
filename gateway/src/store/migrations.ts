import type Database from "better-sqlite3";

/**
 * Schema migrations, applied in order inside one transaction each; schema_version holds the
 * versions applied. Never edit a released migration: add the next one.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  last_boot INTEGER, last_seq INTEGER,
  state TEXT, fw TEXT, status_json TEXT, status_at INTEGER,
  messages INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  rejects INTEGER NOT NULL DEFAULT 0
);

-- One row per (node, boot): sequence tracking. count < max_seq - min_seq + 1 means a gap.
CREATE TABLE node_boots (
  node TEXT NOT NULL, boot INTEGER NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  min_seq INTEGER NOT NULL, max_seq INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (node, boot)
) WITHOUT ROWID;

-- (node, boot, seq) is the identity of an uplink message: the UNIQUE constraint deduplicates.
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL, boot INTEGER NOT NULL, seq INTEGER NOT NULL,
  received_at INTEGER NOT NULL, sent_t INTEGER, readings INTEGER NOT NULL,
  UNIQUE (node, boot, seq)
);

CREATE TABLE sensors (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL, key TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_t INTEGER, last_value REAL, last_flags INTEGER,
  UNIQUE (node, key)
);

-- id is the feed sequence number (commit order shared with alert_transitions and ledger).
CREATE TABLE readings (
  id INTEGER PRIMARY KEY,
  sensor_id INTEGER NOT NULL,
  t INTEGER NOT NULL,
  value REAL, flags INTEGER NOT NULL, reason TEXT,
  lat REAL, lon REAL, fix INTEGER,
  message_id INTEGER
);
CREATE INDEX readings_sensor_t ON readings (sensor_id, t);

CREATE TABLE rejects (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  node TEXT, topic TEXT NOT NULL, reason TEXT NOT NULL,
  payload TEXT, boot INTEGER, seq INTEGER
);
CREATE INDEX rejects_time ON rejects (received_at);

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  facility TEXT, type TEXT NOT NULL, t INTEGER NOT NULL,
  source TEXT NOT NULL, by TEXT, data TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX events_facility_t ON events (facility, t);

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  rule TEXT NOT NULL, subject TEXT NOT NULL, facility TEXT,
  severity TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('raised','acknowledged','cleared')),
  message TEXT,
  raised_t INTEGER NOT NULL, updated_t INTEGER NOT NULL, cleared_t INTEGER,
  ack_note TEXT, ack_by TEXT, ack_t INTEGER
);
-- One open alert per (rule, subject).
CREATE UNIQUE INDEX alerts_open ON alerts (rule, subject) WHERE state != 'cleared';

CREATE TABLE alert_transitions (
  id INTEGER PRIMARY KEY,
  feed_seq INTEGER NOT NULL UNIQUE,
  alert_id INTEGER NOT NULL,
  rule TEXT NOT NULL, subject TEXT NOT NULL, facility TEXT, severity TEXT NOT NULL,
  from_state TEXT, to_state TEXT NOT NULL,
  t INTEGER NOT NULL, message TEXT, note TEXT, by TEXT, data TEXT,
  committed_at INTEGER NOT NULL
);
CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id);

CREATE TABLE ledger (
  id INTEGER PRIMARY KEY,
  feed_seq INTEGER NOT NULL UNIQUE,
  t INTEGER NOT NULL, kind TEXT NOT NULL,
  facility TEXT, site TEXT, tonnes REAL NOT NULL,
  lat REAL, lon REAL, data TEXT,
  committed_at INTEGER NOT NULL
);
CREATE INDEX ledger_t ON ledger (t);

-- Chart rollups (bucket = start of the minute/hour, epoch ms), maintained in the ingest
-- transaction. avg = sum / count. last = value at last_t (the latest data time, not arrival).
CREATE TABLE rollup_minute (
  sensor_id INTEGER NOT NULL, bucket INTEGER NOT NULL,
  min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
  last REAL NOT NULL, last_t INTEGER NOT NULL,
  PRIMARY KEY (sensor_id, bucket)
) WITHOUT ROWID;
CREATE TABLE rollup_hour (
  sensor_id INTEGER NOT NULL, bucket INTEGER NOT NULL,
  min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
  last REAL NOT NULL, last_t INTEGER NOT NULL,
  PRIMARY KEY (sensor_id, bucket)
) WITHOUT ROWID;

-- Store-and-forward: the cursor is the highest feed seq acknowledged upstream; the outbox
-- holds the batches formed and published but not yet acknowledged (same ids on re-send).
CREATE TABLE forward_cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE forward_outbox (
  name TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (name, first_seq)
) WITHOUT ROWID;

CREATE TABLE rules_state (facility TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL);

-- For the HTTP API (operator logins, sessions, county tokens).
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin')),
  created_at INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL DEFAULT 'read',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
`,
  },
  {
    version: 2,
    name: "commands to nodes",
    sql: `
-- Commands the gateway sent to a node (…/cmd) and what became of them (…/cmd/res).
-- id is the correlation id on the wire (CommandMessage.id, at most 64 characters).
CREATE TABLE commands (
  id TEXT PRIMARY KEY,
  node TEXT NOT NULL, op TEXT NOT NULL, payload TEXT,
  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,
  sent_at INTEGER,
  state TEXT NOT NULL CHECK (state IN ('queued','sent','ok','failed','expired')),
  result_at INTEGER, result_t INTEGER, err TEXT
);
CREATE INDEX commands_node_created ON commands (node, created_at);
CREATE INDEX commands_open ON commands (state) WHERE state IN ('queued','sent');
`,
  },
  {
    version: 3,
    name: "acked frontier per node",
    sql: `
-- The (boot, seq) up to which every message the node holds is stored and acked
-- (store/ack-chain.ts): acks never run ahead of it, across restarts too. NULL: not known yet
-- (a database from before this version: the node's next resend from its oldest message sets it).
ALTER TABLE nodes ADD COLUMN ack_boot INTEGER;
ALTER TABLE nodes ADD COLUMN ack_seq INTEGER;
`,
  },
  {
    version: 4,
    name: "outbox bodies rendered while the upstream link is down",
    sql: `
-- A batch's payload body (features/upstream-payload.ts pageBody) and its number of feed entries,
-- rendered while the county link is down (features/upstream-render.ts), so that draining the
-- backlog does not read the feed again. NULL: read from the feed when it is published.
ALTER TABLE forward_outbox ADD COLUMN body TEXT;
ALTER TABLE forward_outbox ADD COLUMN entries INTEGER;
`,
  },
];

export function migrate(db: Database.Database, now: number): number {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const current = (db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null }).v ?? 0;
  const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
  if (current > latest) throw new Error(`database schema version ${current} is newer than this gateway (${latest}): upgrade the gateway`);
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, now);
    })();
  }
  return latest;
}
