import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Clock } from "@manure-edge/protocol";
import type { Logger } from "../log";
import type { Authenticator } from "../http/auth";
import type { HttpHost } from "../http/host";
import { decodeSince, encodeCursor } from "../http/params";
import { rejectUpgrade } from "../http/upgrade";
import type { FeedEntry, FeedReading, FeedTransition, FeedLedger } from "../store/queries";
import { paramsOfInput } from "../store/params";
import type { CommittedBatch } from "../store/types";
import { nodeView } from "../http/routes/nodes";
import { NodeGapQueries } from "../http/queries/nodes";

export interface LiveOptions {
  /** Readings are coalesced per sensor and sent at most this often, ms. */
  throttleMs: number;
  /** Ping period; a client that has not answered the previous ping is dropped (RFC 6455 §5.5.2). */
  heartbeatMs: number;
  /** Bytes queued to one client, at most; beyond it the client is dropped (code 4008). */
  maxBufferedBytes: number;
  maxClients: number;
  /** Feed entries replayed after `since`, at most; further behind gets a `reset`. */
  replayMax: number;
}

const DEFAULTS: LiveOptions = { throttleMs: 1000, heartbeatMs: 30_000, maxBufferedBytes: 1 << 20, maxClients: 100, replayMax: 20_000 };

/** Close code for a client dropped by the server: 4000-4999 are private-use (RFC 6455 §7.4.2). */
export const CLOSE_SLOW = 4008;
export const CLOSE_NO_PONG = 4009;

class Client {
  alive = true;
  /** Latest reading per sensor not yet sent (by data time; a backlog never hides a newer value). */
  readonly pending = new Map<string, FeedReading>();
  pendingMin = Infinity;
  /** Highest feed seq of the commits this client has been told about (sent or pending). */
  seenSeq = 0;
  dropped = false;

  constructor(
    readonly ws: WebSocket,
    readonly user: string,
  ) {}

  /** The resume point: every entry with seq <= it was delivered (or superseded by a newer reading). */
  get safeSeq(): number {
    return this.pendingMin === Infinity ? this.seenSeq : this.pendingMin - 1;
  }

  addReading(r: FeedReading): void {
    const cur = this.pending.get(r.sensor);
    if (!cur || r.t > cur.t || (r.t === cur.t && r.seq > cur.seq)) this.pending.set(r.sensor, r);
    if (r.seq < this.pendingMin) this.pendingMin = r.seq;
  }
}

/**
 * The live WebSocket at /api/v1/live: session-cookie auth on upgrade, then readings (latest
 * per sensor, coalesced), alert transitions and ledger entries (each at once), node status and
 * store health, from the event bus. Every message carries `seq`/`cursor`: the point from which
 * GET /api/v1/feed (or reconnecting with ?since=) resumes without missing anything.
 */
export class Live {
  private wss: WebSocketServer | null = null;
  private readonly clients = new Set<Client>();
  private readonly offs: (() => void)[] = [];
  private flushTimer: unknown = null;
  private beatTimer: unknown = null;
  private readonly opts: LiveOptions;
  private countDrop: (labels: Record<string, string>) => void = () => undefined;
  /** A status message was committed since the last flush: push the nodes whose status changed. */
  private statusDirty = false;
  private readonly statusSent = new Map<string, number>();
  private gapQ: NodeGapQueries | null = null;

  constructor(
    private readonly host: HttpHost,
    readonly auth: Authenticator,
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: Partial<LiveOptions>,
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  async start(): Promise<void> {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false });
    const m = this.host.metrics;
    const drops = m.counter("gateway_live_dropped_total", "Live WebSocket clients dropped by the server, by reason");
    this.countDrop = (l) => drops(l);
    m.collect("gateway_live_clients", "Live WebSocket clients connected", () => [{ value: this.clients.size }]);
    this.gapQ = new NodeGapQueries(this.host.store.db);
    for (const n of this.host.store.nodes()) if (n.statusAt !== null) this.statusSent.set(n.id, n.statusAt);
    this.offs.push(this.host.bus.on("committed", (b) => {
      if (b.statuses > 0) this.statusDirty = true;
      this.onCommitted(b);
    }));
    this.offs.push(this.host.bus.on("storeHealth", (e) => this.broadcast((c) => ({ type: "store", ok: e.ok, reason: e.reason, ...this.pos(c) }))));
    this.flushTimer = this.clock.setInterval(() => this.flushAll(), this.opts.throttleMs);
    this.beatTimer = this.clock.setInterval(() => this.heartbeat(), this.opts.heartbeatMs);
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.clock.clearInterval(this.flushTimer);
    this.clock.clearInterval(this.beatTimer);
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    const w = this.wss;
    this.wss = null;
    if (w) await new Promise<void>((resolve) => w.close(() => resolve()));
  }

  get size(): number {
    return this.clients.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const wss = this.wss;
    if (!wss) return rejectUpgrade(socket, 503, "unavailable", "live feed is stopping");
    // Cross-site WebSocket hijacking: browsers send Origin; it must be this very host.
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let ok = false;
      try {
        ok = new URL(origin).host === req.headers.host;
      } catch {
        ok = false;
      }
      if (!ok) return rejectUpgrade(socket, 403, "forbidden", "WebSocket Origin does not match this host");
    }
    const session = this.auth.sessionOf(req);
    if (!session) return rejectUpgrade(socket, 401, "unauthorized", "log in first: the live feed needs the session cookie");
    if (this.clients.size >= this.opts.maxClients) return rejectUpgrade(socket, 503, "unavailable", `too many live clients (${this.opts.maxClients})`);
    let since: number | null;
    try {
      since = decodeSince(new URL(req.url ?? "/", "http://gateway.invalid").searchParams.get("since"));
    } catch (e) {
      return rejectUpgrade(socket, 400, "bad_request", (e as Error).message);
    }
    wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, session.user, since));
  }

  private attach(ws: WebSocket, user: string, since: number | null): void {
    const c = new Client(ws, user);
    this.clients.add(c);
    ws.on("pong", () => (c.alive = true));
    ws.on("close", () => this.clients.delete(c));
    ws.on("error", () => this.clients.delete(c));
    // Messages from the page are not needed; reading them keeps the socket flowing.
    ws.on("message", () => undefined);
    const store = this.host.store;
    // Everything below runs synchronously: no commit can slip between the replay and the
    // subscription (same thread as the store), so the page misses nothing and gets nothing twice.
    const last = store.lastFeedSeq();
    if (since === null || since >= last) {
      c.seenSeq = last;
      this.send(c, { type: "hello", user, t: this.clock.now(), ...this.pos(c) });
      return;
    }
    c.seenSeq = since;
    this.send(c, { type: "hello", user, t: this.clock.now(), ...this.pos(c) });
    let after = since;
    let n = 0;
    for (;;) {
      const page = store.feedAfter(after, 5000);
      if (page.length === 0) break;
      n += page.length;
      if (n > this.opts.replayMax) {
        c.pending.clear();
        c.pendingMin = Infinity;
        c.seenSeq = last;
        this.send(c, { type: "reset", reason: `more than ${this.opts.replayMax} entries since ${since}: reload the state`, ...this.pos(c) });
        return;
      }
      for (const e of page) this.deliver(c, e);
      after = page[page.length - 1].seq;
    }
    c.seenSeq = Math.max(c.seenSeq, last);
    this.flush(c);
  }

  private onCommitted(b: CommittedBatch): void {
    if (this.clients.size === 0) return;
    const entries: FeedEntry[] = [];
    for (const r of b.readings) entries.push({ type: "reading", seq: r.seq, sensor: r.sensor, node: r.node, key: r.key, t: r.t, value: r.value, flags: r.flags, reason: r.reason, lat: r.lat, lon: r.lon, fix: r.fix });
    for (const tr of b.transitions) {
      entries.push({
        type: "alert", seq: tr.seq, alertId: tr.alertId, rule: tr.rule, subject: tr.subject, facility: tr.facility, severity: tr.severity,
        from: tr.from, to: tr.to, t: tr.t, message: tr.message ?? null, note: tr.note ?? null, by: tr.by ?? null,
        params: paramsOfInput(tr.data),
      });
    }
    for (const l of b.ledger) entries.push({ type: "ledger", seq: l.seq, id: l.id, t: l.t, kind: l.kind, facility: l.facility, site: l.site, tonnes: l.tonnes, lat: l.lat ?? null, lon: l.lon ?? null });
    entries.sort((x, y) => x.seq - y.seq);
    for (const c of [...this.clients]) for (const e of entries) this.deliver(c, e);
  }

  private deliver(c: Client, e: FeedEntry): void {
    if (c.dropped) return;
    if (e.seq > c.seenSeq && e.type === "reading") {
      c.seenSeq = e.seq;
      c.addReading(e);
      return;
    }
    if (e.seq <= c.seenSeq && e.type === "reading") return;
    c.seenSeq = Math.max(c.seenSeq, e.seq);
    this.send(c, { type: e.type, item: e as FeedTransition | FeedLedger, ...this.pos(c) });
  }

  private flushAll(): void {
    if (this.statusDirty) {
      this.statusDirty = false;
      this.pushNodeStatus();
    }
    for (const c of [...this.clients]) this.flush(c);
  }

  /** Node status messages are stored by the commit queue; their arrival is read back here. */
  private pushNodeStatus(): void {
    for (const n of this.host.store.nodes()) {
      if (n.statusAt === null || (this.statusSent.get(n.id) ?? -1) >= n.statusAt) continue;
      this.statusSent.set(n.id, n.statusAt);
      const view = nodeView(n, this.gapQ!.gaps(n.id));
      this.broadcast((c) => ({ type: "node", node: n.id, status: n.status, t: n.statusAt, view, ...this.pos(c) }));
    }
  }

  private flush(c: Client): void {
    if (c.pending.size === 0 || c.dropped) return;
    const items = [...c.pending.values()];
    c.pending.clear();
    c.pendingMin = Infinity;
    this.send(c, { type: "readings", items, ...this.pos(c) });
  }

  private broadcast(make: (c: Client) => Record<string, unknown>): void {
    for (const c of [...this.clients]) this.send(c, make(c));
  }

  private pos(c: Client): { seq: number; cursor: string } {
    const s = c.safeSeq;
    return { seq: s, cursor: encodeCursor(s) };
  }

  private send(c: Client, msg: Record<string, unknown>): void {
    if (c.dropped) return;
    if (c.ws.bufferedAmount > this.opts.maxBufferedBytes) {
      this.drop(c, CLOSE_SLOW, "slow", `send buffer over ${this.opts.maxBufferedBytes} bytes: the client does not read fast enough`);
      return;
    }
    c.ws.send(JSON.stringify(msg));
  }

  private heartbeat(): void {
    for (const c of [...this.clients]) {
      if (!c.alive) {
        this.drop(c, CLOSE_NO_PONG, "no-pong", "no pong to the last ping");
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        /* closing already */
      }
    }
  }

  /** Drops a client with a reason: close frame first, then the socket whatever it does. */
  private drop(c: Client, code: number, label: string, reason: string): void {
    c.dropped = true;
    this.clients.delete(c);
    c.pending.clear();
    this.countDrop({ reason: label });
    this.log.warn("live client dropped", { user: c.user, reason });
    try {
      c.ws.close(code, reason);
    } catch {
      /* already closing */
    }
    const t = this.clock.setTimeout(() => c.ws.terminate(), 2000);
    c.ws.once("close", () => this.clock.clearTimeout(t));
  }
}
