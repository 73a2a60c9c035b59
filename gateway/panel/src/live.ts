import { API } from "./api";
import { S, emit, applyAlert, applyLedger, applyReadings, loadAlerts, loadFacilities, loadNodes, refreshSoon } from "./state";
import type { FeedAlert, FeedLedger, FeedReading, NodeRow } from "./types";

/** Timers the live client uses (the browser's by default; tests of the logic may inject). */
export interface Timers {
  now(): number;
  setTimeout(f: () => void, ms: number): number;
  clearTimeout(h: number): void;
  setInterval(f: () => void, ms: number): number;
  clearInterval(h: number): void;
}

const browserTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (f, ms) => window.setTimeout(f, ms),
  clearTimeout: (h) => window.clearTimeout(h),
  setInterval: (f, ms) => window.setInterval(f, ms),
  clearInterval: (h) => window.clearInterval(h),
};

/**
 * The live socket's messages. Their items are the server's types (./types.ts); the envelopes
 * are written here because gateway/src/live/live.ts builds them as untyped records.
 */
type ServerMessage =
  | { type: "hello"; seq: number; cursor: string }
  | { type: "readings"; items: FeedReading[]; cursor: string }
  | { type: "alert"; item: FeedAlert; cursor: string }
  | { type: "ledger"; item: FeedLedger; cursor: string }
  | { type: "node"; node: string; view: NodeRow; cursor: string }
  | { type: "store"; ok: boolean; reason: string | null; cursor: string }
  | { type: "reset"; reason: string; cursor: string };

/**
 * The live feed (GET /api/v1/live, RFC 6455). Every server message carries a feed cursor;
 * after a drop the client reconnects with ?since=<cursor> and the server replays what was
 * committed meanwhile, so nothing is missed and the page is never reloaded. A health poll
 * notices a silent dead link (no close frame) and forces the reconnect.
 */
export class LiveClient {
  private ws: WebSocket | null = null;
  private cursor: string | null = null;
  private retry = 0;
  private retryTimer: number | null = null;
  private pollTimer: number | null = null;
  private running = false;
  /** Whether a hello was ever received (for callers that care about first contact). */
  everLive = false;

  constructor(
    private readonly timers: Timers = browserTimers,
    private readonly opts = { healthEveryMs: 15_000, maxBackoffMs: 10_000 },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
    this.pollTimer = this.timers.setInterval(() => void this.poll(), this.opts.healthEveryMs);
  }

  stop(): void {
    this.running = false;
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    if (this.pollTimer !== null) this.timers.clearInterval(this.pollTimer);
    this.retryTimer = this.pollTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
    S.conn = "idle";
    emit("conn");
  }

  private connect(): void {
    if (!this.running) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const q = this.cursor ? "?since=" + encodeURIComponent(this.cursor) : "";
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/live${q}`);
    this.ws = ws;
    if (S.conn !== "lost") {
      S.conn = "connecting";
      emit("conn");
    }
    ws.onmessage = (ev) => this.onMessage(ev.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.lost();
      this.scheduleReconnect();
    };
  }

  private lost(): void {
    if (S.conn !== "lost") {
      S.conn = "lost";
      S.lostSince = this.timers.now();
      emit("conn");
    }
  }

  private scheduleReconnect(): void {
    if (!this.running || this.retryTimer !== null) return;
    const ms = Math.min(this.opts.maxBackoffMs, 500 * 2 ** Math.min(this.retry, 5));
    this.retry++;
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      // A refused upgrade looks like any close: ask whether the session is still good.
      if (this.retry > 2) API.me().catch(() => undefined);
      this.connect();
    }, ms);
  }

  private onMessage(data: unknown): void {
    let m: ServerMessage;
    try {
      m = JSON.parse(String(data)) as ServerMessage;
    } catch {
      return;
    }
    S.lastMessage = this.timers.now();
    if (m.cursor) this.cursor = m.cursor;
    switch (m.type) {
      case "hello": {
        this.retry = 0;
        this.everLive = true;
        S.conn = "live";
        S.lostSince = null;
        emit("conn");
        // From here on every commit reaches this socket; what was committed before it (before
        // the first connection, or missed in a gap too long to replay) comes from REST. Loading
        // after the hello leaves no window in between; updates seen twice change nothing.
        Promise.all([loadFacilities(), loadAlerts(), loadNodes()]).catch(() => undefined);
        break;
      }
      case "readings":
        applyReadings(m.items);
        break;
      case "alert":
        applyAlert(m.item);
        break;
      case "ledger":
        applyLedger(m.item);
        break;
      case "node":
        // The message carries the node's /nodes row: no request needed.
        if (m.view && S.nodes) {
          const v = m.view;
          S.nodes = S.nodes.some((n) => n.id === v.id) ? S.nodes.map((n) => (n.id === v.id ? v : n)) : [...S.nodes, v];
          emit("nodes");
        } else refreshSoon("nodes");
        break;
      case "store":
        S.storeOk = m.ok;
        S.storeReason = m.reason;
        emit("conn");
        break;
      case "reset":
        // Too far behind for a replay: start over from the REST state.
        this.cursor = null;
        Promise.all([loadFacilities(), loadAlerts(), loadNodes()]).catch(() => undefined);
        break;
    }
  }

  private async poll(): Promise<void> {
    try {
      const h = await withTimeout(API.health(), 8000);
      if (S.storeOk !== h.store.ok) {
        S.storeOk = h.store.ok;
        S.storeReason = h.store.reason;
        emit("conn");
      }
    } catch (e) {
      // 503 still means the gateway answers (store trouble, shown by the banner).
      if ((e as { status?: number }).status === 503) return;
      this.lost();
      const ws = this.ws;
      this.ws = null;
      if (ws) ws.close();
      this.scheduleReconnect();
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const h = window.setTimeout(() => reject(new Error("timeout")), ms);
    p.then(
      (v) => {
        window.clearTimeout(h);
        resolve(v);
      },
      (e) => {
        window.clearTimeout(h);
        reject(e);
      },
    );
  });
}
