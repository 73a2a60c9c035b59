import mqtt, { type MqttClient } from "mqtt";
import { readFileSync } from "node:fs";
import { gatewayTopic, type Clock } from "@manure-edge/protocol";
import type { EventBus } from "../bus";
import type { UpstreamConfig } from "../config/schema";
import type { Logger } from "../log";
import type { Metrics } from "../metrics";
import type { ForwardState, OutboxBatch, RenderedBody } from "../store/forward";
import type { Store } from "../store/store";
import { serializeBody } from "./upstream-payload";
import { batchBody, OutboxRenderer } from "./upstream-render";

/** Feed seqs formed into batches at a time while a backlog drains (see aheadBatches). */
const AHEAD_ENTRIES = 262_144;
/** Longest time an advanced cursor waits for its own commit during a drain. */
const CURSOR_EVERY_MS = 1000;

export interface UpstreamIds {
  base: string;
  farm: string;
  gateway: string;
}

/**
 * Store-and-forward to the county's MQTT broker.
 *
 * Source: the feed (readings, alert transitions, ledger entries in commit order). A durable
 * cursor holds the highest feed seq the county broker acknowledged; the outbox table holds the
 * boundaries of batches published and not yet acknowledged, written BEFORE publishing, so
 * after a restart the same batches go out again with the same ids (a consumer recognises a
 * re-delivery by its id). The cursor moves only on PUBACK (MQTT 3.1.1 §4.3.2: QoS 1 delivery
 * is complete for the sender on PUBACK), and only over the contiguous acknowledged prefix.
 *
 * Order: batches are published in seq order on one topic; MQTT 3.1.1 §4.6 has the broker
 * deliver QoS 1 messages of one topic in order. At most `window` batches are in flight.
 * Reconnect: our own loop (MQTT.js auto-reconnect off, so its in-memory store never replays
 * behind our back), exponential backoff with "equal jitter" (half fixed, half random) so a
 * county broker coming back is not hit by every farm at once. Backlog drain is rate-limited
 * by a token bucket on the injected clock. Gateway availability: retained status, and the
 * same topic as MQTT will (offline) for when the link dies without a goodbye.
 *
 * While the link is down, full batches are formed as the feed grows and their bodies rendered
 * into the outbox in the background (upstream-render.ts), so a drain after an outage publishes
 * what is ready instead of reading the feed again.
 */
export class Upstream {
  private client: MqttClient | null = null;
  private generation = 0;
  private forward!: ForwardState;
  private inflight: { batch: OutboxBatch; acked: boolean }[] = [];
  /** Batches recorded in the outbox and not in flight, oldest first (re-sends after a connect, then formed ahead). */
  private resend: OutboxBatch[] = [];
  /** Highest seq already put in a batch (formed). */
  private formedUpTo = 0;
  private acked = 0;
  private persisted = 0;
  private cursorTimer: unknown = null;
  private attempt = 0;
  private reconnectTimer: unknown = null;
  private pumpTimer: unknown = null;
  private tokens = 0;
  private tokensAt = 0;
  private running = false;
  private offCommitted: (() => void) | null = null;
  private renderer: OutboxRenderer | null = null;
  connected = false;
  batchesPublished = 0;
  batchesAcked = 0;
  connects = 0;
  connectAttempts = 0;
  private readonly cEntries;

  constructor(
    private readonly cfg: UpstreamConfig,
    private readonly ids: UpstreamIds,
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    /** Random source for jitter (tests pass a fixed one). */
    private readonly random: () => number = Math.random,
  ) {
    this.cEntries = metrics.counter("gateway_upstream_entries_acked_total", "Feed entries acknowledged by the upstream broker");
    metrics.collect("gateway_upstream_connected", "1 while connected to the upstream broker", () => [{ value: this.connected ? 1 : 0 }]);
    metrics.collect("gateway_upstream_lag_entries", "Feed entries committed but not yet acknowledged upstream (outbox depth)", () => [{ value: this.lag() }]);
    metrics.collect("gateway_upstream_inflight_batches", "Batches published and not yet PUBACKed", () => [{ value: this.inflight.length }]);
    metrics.collect("gateway_upstream_rendered_entries", "Feed entries whose batch body is rendered into the outbox, not yet acknowledged", () => [{ value: this.renderer?.renderedEntries() ?? 0 }]);
  }

  async start(): Promise<void> {
    this.running = true;
    this.forward = this.store.forward("upstream");
    this.acked = this.persisted = this.forward.cursor();
    this.loadOutbox();
    this.renderer = new OutboxRenderer(this.store, this.forward, { renderAhead: this.cfg.renderAhead }, this.log, () => this.running && !this.connected);
    this.offCommitted = this.bus.on("committed", () => this.pump());
    this.tokensAt = this.clock.now();
    this.tokens = this.burst();
    this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.offCommitted?.();
    this.offCommitted = null;
    this.renderer?.pause();
    for (const t of [this.reconnectTimer, this.pumpTimer]) if (t !== null) this.clock.clearTimeout(t);
    this.reconnectTimer = this.pumpTimer = null;
    this.persistCursor();
    const c = this.client;
    this.client = null;
    this.generation++;
    if (c) {
      if (this.connected) {
        try {
          await c.publishAsync(this.statusTopic(), this.statusPayload("offline"), { qos: 1, retain: true });
        } catch {
          /* the will covers it */
        }
      }
      await c.endAsync(true).catch(() => undefined);
    }
    this.connected = false;
    this.inflight = [];
  }

  /** Feed entries rendered into the outbox since start (upstream-render.ts). */
  renderedTotal(): number {
    return this.renderer?.renderedTotal ?? 0;
  }

  /** Highest feed seq acknowledged upstream (retention keeps everything after it). */
  ackedSeq(): number {
    return this.acked;
  }

  lag(): number {
    return Math.max(0, this.store.lastFeedSeq() - this.acked);
  }

  private statusTopic(): string {
    return gatewayTopic(this.ids.base, this.ids.farm, this.ids.gateway, "status");
  }

  private statusPayload(state: "online" | "offline"): string {
    return JSON.stringify(state === "online" ? { v: 1, state, gw: this.ids.gateway, t: this.clock.now() } : { v: 1, state, gw: this.ids.gateway });
  }

  private connect(): void {
    if (!this.running) return;
    const gen = ++this.generation;
    this.connectAttempts++;
    const tls = this.cfg.tls;
    const client = mqtt.connect(this.cfg.url, {
      protocolVersion: this.cfg.protocolVersion,
      clientId: this.cfg.clientId ?? `${this.ids.farm}-${this.ids.gateway}`,
      username: this.cfg.username,
      password: this.cfg.password,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      keepalive: 60,
      ca: tls?.ca ? readFileSync(tls.ca) : undefined,
      cert: tls?.cert ? readFileSync(tls.cert) : undefined,
      key: tls?.key ? readFileSync(tls.key) : undefined,
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
      will: { topic: this.statusTopic(), payload: Buffer.from(this.statusPayload("offline")), qos: 1, retain: true },
    });
    this.client = client;
    client.on("connect", () => {
      if (gen !== this.generation) return;
      this.connected = true;
      this.connects++;
      this.attempt = 0;
      this.renderer?.pause();
      this.log.info("upstream connected", { url: this.cfg.url, lag: this.lag() });
      client.publish(this.statusTopic(), this.statusPayload("online"), { qos: 1, retain: true });
      // Everything formed but not acknowledged goes again, same boundaries, oldest first.
      this.inflight = [];
      this.resend = this.loadOutbox();
      this.pump();
    });
    client.on("error", (e) => {
      if (gen === this.generation) this.log.debug("upstream error", { err: e.message });
    });
    client.on("close", () => {
      if (gen !== this.generation) return;
      if (this.connected) this.log.warn("upstream connection lost", { lag: this.lag() });
      this.connected = false;
      this.inflight = [];
      this.generation++;
      client.end(true);
      this.scheduleReconnect();
      this.pump();
    });
  }

  /** The batches recorded in the outbox, oldest first; forming goes on after the last of them. */
  private loadOutbox(): OutboxBatch[] {
    const formed = this.forward.outbox();
    this.formedUpTo = formed.length > 0 ? formed[formed.length - 1].last : this.acked;
    return formed;
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer !== null) return;
    const { minMs, maxMs } = this.cfg.backoff;
    const cap = Math.min(maxMs, minMs * 2 ** Math.min(this.attempt, 20));
    const delay = Math.round(cap / 2 + this.random() * (cap / 2));
    this.attempt++;
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private burst(): number {
    return this.cfg.maxPerSecond > 0 ? Math.max(this.cfg.batchSize, this.cfg.maxPerSecond) : Infinity;
  }

  private refill(): void {
    if (this.cfg.maxPerSecond <= 0) return;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst(), this.tokens + ((now - this.tokensAt) * this.cfg.maxPerSecond) / 1000);
    this.tokensAt = now;
  }

  private pump(): void {
    const client = this.client;
    if (!this.running) return;
    if (!this.connected || !client) {
      this.renderWhileDown();
      return;
    }
    const gen = this.generation;
    if (this.resend.length < this.cfg.window) this.formAhead(this.aheadBatches());
    const topic = gatewayTopic(this.ids.base, this.ids.farm, this.ids.gateway, "data");
    while (this.inflight.length < this.cfg.window && this.resend.length > 0) {
      this.refill();
      if (this.tokens < Math.min(this.cfg.batchSize, this.cfg.maxPerSecond || Infinity)) {
        if (this.pumpTimer === null) {
          const wait = Math.ceil(((this.cfg.batchSize - this.tokens) * 1000) / this.cfg.maxPerSecond);
          this.pumpTimer = this.clock.setTimeout(() => {
            this.pumpTimer = null;
            this.pump();
          }, Math.max(1, wait));
        }
        return;
      }
      const batch = this.resend[0];
      let body: RenderedBody;
      try {
        body = batchBody(this.store, this.forward, batch);
      } catch (e) {
        this.log.warn("upstream could not read the feed", { err: (e as Error).message });
        return;
      }
      const payload = serializeBody(this.ids.farm, this.ids.gateway, batch.first, batch.last, body.body, this.clock.now());
      const n = body.entries;
      this.resend.shift();
      this.tokens -= n;
      const slot = { batch, acked: false };
      this.inflight.push(slot);
      this.batchesPublished++;
      client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err || gen !== this.generation) return; // resent after the next connect
        slot.acked = true;
        this.batchesAcked++;
        this.cEntries({}, n);
        this.advance();
      });
    }
  }

  /**
   * While the link is down: full batches formed as the feed grows (a partial one would stay
   * partial for good, and the outage may be long), recorded in the outbox and rendered in the
   * background. The resend list is rebuilt from the outbox at the next connect.
   */
  private renderWhileDown(): void {
    if (!this.renderer || this.cfg.renderAhead <= 0) return;
    this.formAhead(this.aheadBatches(), true);
    this.resend = [];
    this.renderer.kick();
  }

  /**
   * How many batches to form at a time: each forming is one outbox commit (an fsync), so a
   * drain forms AHEAD_ENTRIES feed seqs at once, and at least two windows. Forming reads
   * nothing, so this holds no payload in memory.
   */
  private aheadBatches(): number {
    return Math.max(2 * this.cfg.window, Math.ceil(AHEAD_ENTRIES / this.cfg.batchSize));
  }

  /**
   * Forms up to `count` new batches and records them in the outbox in ONE transaction (one
   * fsync for many batches), ahead of publishing: a restart re-sends every recorded batch with
   * its id, published or not. A batch is a range of `batchSize` consecutive feed seqs (the last
   * one up to the newest committed seq): one counter numbers readings, alert transitions and
   * ledger entries, so a range holds at most `batchSize` entries and the ranges cover the feed
   * with no gap, and its bounds are known without reading the feed. Its entries are read when
   * it is published (pump), once, and dropped once it is acknowledged.
   */
  private formAhead(count: number, fullOnly = false): void {
    const fresh: OutboxBatch[] = [];
    const end = this.store.lastFeedSeq();
    let upTo = this.formedUpTo;
    while (fresh.length < count && upTo < end && (!fullOnly || upTo + this.cfg.batchSize <= end)) {
      const last = Math.min(end, upTo + this.cfg.batchSize);
      fresh.push({ first: upTo + 1, last });
      upTo = last;
    }
    if (fresh.length === 0) return;
    try {
      // The cursor rides along (no commit of its own while a backlog drains).
      const acked = this.acked > this.persisted ? this.acked : undefined;
      this.forward.addBatches(fresh, this.clock.now(), acked);
      if (acked !== undefined) this.persisted = acked;
    } catch (e) {
      // Disk full, for instance: try again at the next commit or reconnect.
      this.log.warn("upstream could not form batches", { err: (e as Error).message });
      return;
    }
    this.formedUpTo = upTo;
    for (const b of fresh) this.resend.push(b);
  }

  private advance(): void {
    let last = -1;
    while (this.inflight.length > 0 && this.inflight[0].acked) last = this.inflight.shift()!.batch.last;
    if (last >= 0) {
      this.acked = last;
      // The cursor is written when everything formed is acknowledged, with the next outbox
      // write, and otherwise at most every CURSOR_EVERY_MS: a crash in between re-sends some
      // acknowledged batches with their ids, which the consumer drops.
      if (this.inflight.length === 0 && this.resend.length === 0) this.persistCursor();
      else if (this.cursorTimer === null) {
        this.cursorTimer = this.clock.setTimeout(() => {
          this.cursorTimer = null;
          this.persistCursor();
        }, CURSOR_EVERY_MS);
      }
    }
    this.pump();
  }

  private persistCursor(): void {
    if (this.cursorTimer !== null) {
      this.clock.clearTimeout(this.cursorTimer);
      this.cursorTimer = null;
    }
    if (this.acked <= this.persisted) return;
    try {
      this.forward.acknowledge(this.acked, this.clock.now());
      this.persisted = this.acked;
    } catch (e) {
      this.log.warn("could not save the upstream cursor", { err: (e as Error).message });
    }
  }
}
