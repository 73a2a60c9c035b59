import type Database from "better-sqlite3";
import type { RulesSink } from "../rules-sink";
import { AckChain } from "./ack-chain";
import { AlertWriter } from "./alerts";
import { RollupAccumulator, prepareRollups, type RollupStatements } from "./rollups";
import type {
  AckDue, AlertTransitionInput, CommittedBatch, CommittedEvent, CommittedLedgerEntry,
  CommittedTransition, IngestItem, LedgerEntryInput, RejectInput, StatusInput, UplinkInput, EventInput,
} from "./types";

export const MAX_REJECT_PAYLOAD = 1024;
/** Generations of a reused boot number kept apart (a node reflashed this often is broken). */
const MAX_BOOT_REUSE = 8;

interface SensorRef {
  id: number;
  /** "<node>/<key>", built once. */
  name: string;
}

/** Per transaction: the last state of each node and the messages of each (node, boot) stored. */
interface SeenInTx {
  nodes: Map<string, { lastSeen: number; boot: number; seq: number }>;
  boots: Map<string, { node: string; boot: number; firstSeen: number; lastSeen: number; min: number; max: number; count: number }>;
}

/**
 * Writes a batch of ingest items in ONE transaction (group commit): messages (deduplicated by
 * (node, boot, seq)), readings, rollups, rejects, statuses, events, and what the rules engine
 * returns for them. Feed sequence numbers are allocated in commit order from a counter that
 * is persisted in meta and restored if the transaction rolls back.
 */
export class BatchWriter {
  private feedSeq = 0;
  /** Sensor id and "node/key" name by node, then key: no string is built per reading to find them. */
  private readonly sensors = new Map<string, Map<string, SensorRef>>();
  private lastRulesSnapshot: Record<string, unknown> = {};
  private readonly st: ReturnType<typeof prepare>;
  private readonly rollups: RollupStatements;
  private readonly alerts: AlertWriter;
  private readonly chain: AckChain;
  /** Nodes that have reused a (boot, seq): their resends may be stored under boot + k·2³². */
  private readonly reusedNodes = new Set<string>();

  constructor(
    private readonly db: Database.Database,
    private readonly rules: RulesSink | null,
  ) {
    this.st = prepare(db);
    this.rollups = prepareRollups(db);
    this.alerts = new AlertWriter(db);
    const loadAck = db.prepare("SELECT ack_boot AS b, ack_seq AS s FROM nodes WHERE id = ?");
    this.chain = new AckChain((node) => {
      const r = loadAck.get(node) as { b: number | null; s: number | null } | undefined;
      return r && r.b !== null && r.s !== null ? [r.b, r.s] : null;
    });
    this.feedSeq = loadFeedSeq(db);
    for (const r of db.prepare("SELECT DISTINCT node FROM node_boots WHERE boot >= 4294967296").iterate() as Iterable<{ node: string }>) this.reusedNodes.add(r.node);
    for (const r of db.prepare("SELECT id, node, key FROM sensors").iterate() as Iterable<{ id: number; node: string; key: string }>) {
      this.sensorsOf(r.node).set(r.key, { id: r.id, name: r.node + "/" + r.key });
    }
    if (rules) {
      const state: Record<string, unknown> = {};
      for (const r of db.prepare("SELECT facility, state FROM rules_state").iterate() as Iterable<{ facility: string; state: string }>) {
        state[r.facility] = JSON.parse(r.state);
      }
      // No stored state: keep the engine's fresh state, and remember it for rollbacks.
      if (Object.keys(state).length > 0) rules.restore(state);
      this.lastRulesSnapshot = structuredClone(rules.snapshot());
    }
  }

  get lastFeedSeq(): number {
    return this.feedSeq;
  }

  /** Runs the transaction. Throws (after rolling back every in-memory effect) if SQLite fails. */
  write(items: IngestItem[], now: number): CommittedBatch {
    const t0 = performance.now();
    const seqBefore = this.feedSeq;
    const newSensors: [string, string][] = [];
    let result: CommittedBatch;
    this.chain.begin();
    try {
      result = this.db.transaction(() => this.writeInTx(items, now, newSensors))();
      this.chain.commit();
    } catch (e) {
      this.chain.rollback();
      this.feedSeq = seqBefore;
      for (const [node, key] of newSensors) this.sensors.get(node)?.delete(key);
      // The engine saw readings that are not committed: put it back where the DB is.
      if (this.rules) this.rules.restore(structuredClone(this.lastRulesSnapshot));
      throw e;
    }
    result.commitMs = performance.now() - t0;
    return result;
  }

  /**
   * An operator's acknowledgement of alert `id`, the only way one is stored (HTTP route, CLI,
   * tests): in ONE transaction the transition (with a feed seq, so it reaches the county feed,
   * the upstream link and the live socket) and the rules engine's state after it learnt of the
   * acknowledgement. Returns null, writing nothing, unless the alert is raised. On an SQLite
   * error nothing is written and the engine is put back to the last committed snapshot.
   * `onRulesRefused` hears why the engine did not take it (its book no longer has the alert
   * raised: the store's record stands alone then).
   */
  acknowledge(id: number, note: string, by: string, now: number, onRulesRefused?: (err: Error) => void): CommittedTransition | null {
    const seqBefore = this.feedSeq;
    let touchedRules = false;
    try {
      return this.db.transaction((): CommittedTransition | null => {
        const a = this.st.alertForAck.get(id) as { rule: string; subject: string; facility: string | null; severity: string; state: string; message: string | null } | undefined;
        if (!a || a.state !== "raised") return null;
        let tr: AlertTransitionInput = { rule: a.rule, subject: a.subject, facility: a.facility, severity: a.severity, to: "acknowledged", t: now, note, by };
        if (a.message !== null) tr.message = a.message;
        if (this.rules?.acknowledge) {
          try {
            touchedRules = true;
            const fromRules = this.rules.acknowledge(`${a.rule}|${a.subject}`, note, by, now);
            // The store's alert (rule, subject) is the one acknowledged; the engine adds its params.
            tr = { ...fromRules, rule: a.rule, subject: a.subject, facility: a.facility, to: "acknowledged", t: now, note, by };
          } catch (e) {
            onRulesRefused?.(e as Error);
          }
        }
        const c = this.alerts.apply(tr, () => ++this.feedSeq, now);
        if (touchedRules && this.rules) this.saveRulesSnapshot(now);
        this.st.saveFeedSeq.run(String(this.feedSeq));
        return c;
      })();
    } catch (e) {
      this.feedSeq = seqBefore;
      if (touchedRules && this.rules) this.rules.restore(structuredClone(this.lastRulesSnapshot));
      throw e;
    }
  }

  private saveRulesSnapshot(now: number): void {
    const snap = this.rules!.snapshot();
    for (const [facility, state] of Object.entries(snap)) this.st.saveRules.run(facility, JSON.stringify(state), now);
    this.lastRulesSnapshot = structuredClone(snap);
  }

  private sensorsOf(node: string): Map<string, SensorRef> {
    let m = this.sensors.get(node);
    if (!m) this.sensors.set(node, (m = new Map()));
    return m;
  }

  private writeInTx(items: IngestItem[], now: number, newSensors: [string, string][]): CommittedBatch {
    const out: CommittedBatch = {
      readings: [], events: [], transitions: [], ledger: [], acks: [],
      messages: 0, duplicates: 0, rejects: 0, statuses: 0, commitMs: 0,
    };
    // Acks in item order: a run of good messages collapses into one cumulative ack; a
    // reject gets its own ack carrying err, so the node learns why.
    const acks: AckDue[] = [];
    const lastAck = new Map<string, number>();
    const pushAck = (a: AckDue) => {
      const i = lastAck.get(a.node);
      if (i !== undefined && acks[i].err === undefined && a.err === undefined) acks[i] = a;
      else lastAck.set(a.node, acks.push(a) - 1);
    };
    const acc = new RollupAccumulator();
    const lastBySensor = new Map<number, { t: number; value: number | null; flags: number }>();
    const seen: SeenInTx = { nodes: new Map(), boots: new Map() };
    for (const item of items) {
      switch (item.kind) {
        case "up": {
          this.writeUplink(item, now, out, acc, newSensors, lastBySensor, seen);
          // Only what the predecessor chain proves complete (store/ack-chain.ts).
          const a = this.chain.offer(item.node, item.boot, item.seq, item.pred);
          if (a) pushAck({ node: item.node, boot: a[0], seq: a[1] });
          else out.unlinked = (out.unlinked ?? 0) + 1;
          break;
        }
        case "reject": {
          this.writeReject(item);
          out.rejects++;
          if (item.node !== null && item.boot !== null && item.seq !== null) {
            const a = this.chain.offer(item.node, item.boot, item.seq, item.pred);
            if (a) pushAck({ node: item.node, boot: a[0], seq: a[1], err: item.reason });
          }
          break;
        }
        case "status":
          this.writeStatus(item);
          out.statuses++;
          break;
        case "event":
          out.events.push(this.writeEvent(item, now));
          break;
      }
    }
    this.flushSeen(seen);
    for (const [node, f] of this.chain.changed()) this.st.saveAck.run(f[0], f[1], node);
    acc.flush(this.rollups);
    // One "latest value" update per sensor per transaction, not one per reading.
    for (const [id, l] of lastBySensor) this.st.updateSensorLast.run(l.t, l.value, l.flags, id, l.t);
    if (this.rules && (out.readings.length > 0 || out.events.length > 0)) {
      const res = this.rules.process({ readings: out.readings, events: out.events });
      for (const tr of res.transitions) {
        const c = this.alerts.apply(tr, () => ++this.feedSeq, now);
        if (c) out.transitions.push(c);
      }
      for (const l of res.ledger) out.ledger.push(this.writeLedger(l, now));
      for (const a of res.annotations ?? []) {
        if (a.q === 0) continue;
        const slash = a.sensor.indexOf("/");
        const id = slash > 0 ? this.sensors.get(a.sensor.slice(0, slash))?.get(a.sensor.slice(slash + 1))?.id : undefined;
        if (id !== undefined) this.st.annotate.run(a.q, id, a.from, a.to);
      }
      for (const e of res.events ?? []) {
        this.writeEvent({ kind: "event", facility: e.facility, type: e.kind ?? e.type ?? "event", t: e.t, source: "rules", by: null, data: e.data }, now);
      }
      this.saveRulesSnapshot(now);
    }
    this.st.saveFeedSeq.run(String(this.feedSeq));
    out.acks = acks;
    return out;
  }

  /**
   * Inserts the message's identity; `ins` null when it is a resend of a stored message.
   * A resend carries the same t (a message is frozen when it is made), so a stored (node, boot,
   * seq) with another t means a node whose boot counter went back (reflashed with its Storage
   * erased) reused the identity for a new message. That one is stored too, under boot + k·2³²
   * (beyond any wire boot, a u32), where its own resends are recognised in turn. The usual case
   * costs one INSERT; only a taken identity, or a node known to have reused one (whose old
   * message at the wire boot retention may have deleted since), looks at the generations.
   */
  private insertIdentity(m: UplinkInput, out: CommittedBatch): { boot: number; ins: Database.RunResult | null } {
    const insert = (boot: number) => this.st.insertMessage.run(m.node, boot, m.seq, m.receivedAt, m.sentT, m.readings.length);
    if (!this.reusedNodes.has(m.node)) {
      const ins = insert(m.boot);
      if (ins.changes > 0) return { boot: m.boot, ins };
    }
    // Generations are filled in order, so the first missing one above the wire boot ends them.
    let free = -1;
    for (let k = 0; k <= MAX_BOOT_REUSE; k++) {
      const boot = m.boot + k * 2 ** 32;
      const prev = this.st.messageSentT.get(m.node, boot, m.seq) as { sent_t: number | null } | undefined;
      if (prev && prev.sent_t === m.sentT) return { boot, ins: null };
      if (prev) continue;
      if (free < 0) free = boot;
      if (k > 0) break;
    }
    if (free < 0) return { boot: m.boot, ins: null };
    const ins = insert(free);
    if (ins.changes === 0) return { boot: free, ins: null };
    if (free !== m.boot) {
      out.reusedBoot = (out.reusedBoot ?? 0) + 1;
      this.reusedNodes.add(m.node);
    }
    return { boot: free, ins };
  }

  private writeUplink(
    m: UplinkInput, now: number, out: CommittedBatch, acc: RollupAccumulator, newSensors: [string, string][],
    lastBySensor: Map<number, { t: number; value: number | null; flags: number }>, seen: SeenInTx,
  ): void {
    // The node's row must exist before its first message of the transaction; its last_seen,
    // last boot and seq are written once per transaction (flushSeen), not once per message.
    let node = seen.nodes.get(m.node);
    if (!node) {
      this.st.upsertNode.run(m.node, m.receivedAt, m.receivedAt, m.boot, m.seq);
      seen.nodes.set(m.node, (node = { lastSeen: m.receivedAt, boot: m.boot, seq: m.seq }));
    }
    const { boot: storedBoot, ins } = this.insertIdentity(m, out);
    if (node.lastSeen < m.receivedAt) node.lastSeen = m.receivedAt;
    node.boot = storedBoot;
    node.seq = m.seq;
    if (ins === null) {
      out.duplicates++;
      this.st.countDuplicate.run(m.node);
      return;
    }
    out.messages++;
    const messageId = Number(ins.lastInsertRowid);
    const bk = m.node + "\0" + storedBoot;
    const boot = seen.boots.get(bk);
    if (!boot) seen.boots.set(bk, { node: m.node, boot: storedBoot, firstSeen: m.receivedAt, lastSeen: m.receivedAt, min: m.seq, max: m.seq, count: 1 });
    else {
      boot.lastSeen = m.receivedAt;
      if (m.seq < boot.min) boot.min = m.seq;
      if (m.seq > boot.max) boot.max = m.seq;
      boot.count++;
    }
    const known = this.sensorsOf(m.node);
    for (const r of m.readings) {
      let sensor = known.get(r.key);
      if (sensor === undefined) {
        sensor = { id: Number(this.st.insertSensor.run(m.node, r.key, now).lastInsertRowid), name: m.node + "/" + r.key };
        known.set(r.key, sensor);
        newSensors.push([m.node, r.key]);
      }
      const sensorId = sensor.id;
      const seq = ++this.feedSeq;
      // Most readings carry no reason and no position: four fewer parameters to bind (about 5 %
      // of the insert's CPU); the columns left out are NULL either way.
      if (r.reason === null && r.lat === null && r.lon === null && r.fix === null) this.st.insertPlainReading.run(seq, sensorId, r.t, r.value, r.flags, messageId);
      else this.st.insertReading.run(seq, sensorId, r.t, r.value, r.flags, r.reason, r.lat, r.lon, r.fix, messageId);
      const last = lastBySensor.get(sensorId);
      if (!last) lastBySensor.set(sensorId, { t: r.t, value: r.value, flags: r.flags });
      else if (r.t >= last.t) {
        last.t = r.t;
        last.value = r.value;
        last.flags = r.flags;
      }
      acc.add(sensorId, r.t, r.value, r.flags);
      out.readings.push({ seq, node: m.node, key: r.key, sensor: sensor.name, sensorId, t: r.t, value: r.value, flags: r.flags, reason: r.reason, lat: r.lat, lon: r.lon, fix: r.fix });
    }
  }

  /** What the transaction's uplinks did to nodes and node_boots, one statement per node and per boot. */
  private flushSeen(seen: SeenInTx): void {
    for (const [id, n] of seen.nodes) this.st.upsertNode.run(id, n.lastSeen, n.lastSeen, n.boot, n.seq);
    for (const b of seen.boots.values()) this.st.upsertBoots.run(b.node, b.boot, b.firstSeen, b.lastSeen, b.min, b.max, b.count);
  }

  private writeReject(r: RejectInput): void {
    const payload = r.payload.length > MAX_REJECT_PAYLOAD ? r.payload.slice(0, MAX_REJECT_PAYLOAD) : r.payload;
    this.st.insertReject.run(r.receivedAt, r.node, r.topic, r.reason, payload, r.boot, r.seq);
    if (r.node !== null) {
      this.st.upsertNode.run(r.node, r.receivedAt, r.receivedAt, null, null);
      this.st.countReject.run(r.node);
    }
  }

  private writeStatus(s: StatusInput): void {
    this.st.upsertNode.run(s.node, s.receivedAt, s.receivedAt, null, null);
    this.st.updateStatus.run(s.status.state, s.status.fw ?? null, JSON.stringify(s.status), s.receivedAt, s.node);
  }

  private writeEvent(e: EventInput, now: number): CommittedEvent {
    const id = Number(this.st.insertEvent.run(e.facility, e.type, e.t, e.source, e.by, e.data === undefined ? null : JSON.stringify(e.data), now).lastInsertRowid);
    return { id, facility: e.facility, type: e.type, t: e.t, source: e.source, by: e.by, data: e.data };
  }

  private writeLedger(l: LedgerEntryInput, now: number): CommittedLedgerEntry {
    const seq = ++this.feedSeq;
    const id = Number(
      this.st.insertLedger.run(seq, l.t, l.kind, l.facility, l.site, l.tonnes, l.lat ?? null, l.lon ?? null, l.data === undefined ? null : JSON.stringify(l.data), now).lastInsertRowid,
    );
    return { ...l, seq, id };
  }
}

function loadFeedSeq(db: Database.Database): number {
  const meta = db.prepare("SELECT value FROM meta WHERE key = 'feed_seq'").get() as { value: string } | undefined;
  const m = db.prepare(
    "SELECT MAX(COALESCE((SELECT MAX(id) FROM readings), 0), COALESCE((SELECT MAX(feed_seq) FROM alert_transitions), 0), COALESCE((SELECT MAX(feed_seq) FROM ledger), 0)) AS m",
  ).get() as { m: number };
  return Math.max(meta ? Number(meta.value) : 0, m.m);
}

function prepare(db: Database.Database) {
  return {
    saveAck: db.prepare("UPDATE nodes SET ack_boot = ?, ack_seq = ? WHERE id = ?"),
    upsertNode: db.prepare(
      `INSERT INTO nodes (id, first_seen, last_seen, last_boot, last_seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen),
         last_boot = COALESCE(excluded.last_boot, last_boot), last_seq = COALESCE(excluded.last_seq, last_seq)`,
    ),
    insertMessage: db.prepare("INSERT OR IGNORE INTO messages (node, boot, seq, received_at, sent_t, readings) VALUES (?, ?, ?, ?, ?, ?)"),
    countDuplicate: db.prepare("UPDATE nodes SET duplicates = duplicates + 1 WHERE id = ?"),
    messageSentT: db.prepare("SELECT sent_t FROM messages WHERE node = ? AND boot = ? AND seq = ?"),
    countReject: db.prepare("UPDATE nodes SET rejects = rejects + 1 WHERE id = ?"),
    upsertBoots: db.prepare(
      `INSERT INTO node_boots (node, boot, first_seen, last_seen, min_seq, max_seq, count) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (node, boot) DO UPDATE SET last_seen = excluded.last_seen, min_seq = MIN(min_seq, excluded.min_seq),
         max_seq = MAX(max_seq, excluded.max_seq), count = count + excluded.count`,
    ),
    insertSensor: db.prepare("INSERT INTO sensors (node, key, first_seen) VALUES (?, ?, ?)"),
    insertReading: db.prepare("INSERT INTO readings (id, sensor_id, t, value, flags, reason, lat, lon, fix, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    insertPlainReading: db.prepare("INSERT INTO readings (id, sensor_id, t, value, flags, message_id) VALUES (?, ?, ?, ?, ?, ?)"),
    updateSensorLast: db.prepare("UPDATE sensors SET last_t = ?, last_value = ?, last_flags = ? WHERE id = ? AND (last_t IS NULL OR last_t <= ?)"),
    insertReject: db.prepare("INSERT INTO rejects (received_at, node, topic, reason, payload, boot, seq) VALUES (?, ?, ?, ?, ?, ?, ?)"),
    updateStatus: db.prepare("UPDATE nodes SET state = ?, fw = COALESCE(?, fw), status_json = ?, status_at = ? WHERE id = ?"),
    insertEvent: db.prepare("INSERT INTO events (facility, type, t, source, by, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
    insertLedger: db.prepare(
      "INSERT INTO ledger (feed_seq, t, kind, facility, site, tonnes, lat, lon, data, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    saveRules: db.prepare(
      "INSERT INTO rules_state (facility, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (facility) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
    ),
    annotate: db.prepare("UPDATE readings SET flags = flags | ? WHERE sensor_id = ? AND t >= ? AND t <= ?"),
    alertForAck: db.prepare("SELECT rule, subject, facility, severity, state, message FROM alerts WHERE id = ?"),
    saveFeedSeq: db.prepare("INSERT INTO meta (key, value) VALUES ('feed_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
  };
}
