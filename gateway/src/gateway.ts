import type { Clock } from "@manure-edge/protocol";
import { EventBus } from "./bus";
import type { GatewayConfig } from "./config/schema";
import { createLogger, type Logger } from "./log";
import { Metrics } from "./metrics";
import { EmbeddedBroker } from "./mqtt/embedded-broker";
import { ExternalBroker } from "./mqtt/external-client";
import type { MqttTransport } from "./mqtt/transport";
import type { RulesSink } from "./rules-sink";
import { CommitQueue, type StoreState } from "./store/commit-queue";
import { Store } from "./store/store";
import type { CommittedBatch, CommittedTransition, IngestItem, RejectInput } from "./store/types";
import { Ingest } from "./features/ingest";
import { Commands } from "./features/commands";
import { Retention } from "./features/retention";
import { Upstream } from "./features/upstream";
import { Poller } from "./features/poller";
import { registerStoreMetrics } from "./features/store-metrics";
import { Http } from "./http/server";

export interface Feature {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface GatewayDeps {
  clock: Clock;
  log?: Logger;
  rules?: RulesSink | null;
  /** Commands to nodes with no result after this long become expired (default 10 min). */
  commandTimeoutMs?: number;
}

export interface Health {
  ok: boolean;
  store: StoreState;
  queueDepth: number;
  upstream: { connected: boolean; lag: number } | null;
  uptimeMs: number;
}

/**
 * The controller: builds the core (store, commit queue, MQTT transport, bus, metrics) and
 * the features from the config, starts them in order and stops them in reverse. Nothing
 * here runs in a constructor.
 */
export class Gateway {
  readonly bus = new EventBus();
  readonly metrics = new Metrics();
  readonly log: Logger;
  store!: Store;
  queue!: CommitQueue;
  transport!: MqttTransport;
  ingest!: Ingest;
  commands!: Commands;
  upstream: Upstream | null = null;
  pollers: Poller[] = [];
  retention!: Retention;
  http!: Http;
  private started: Feature[] = [];
  private startedAt = 0;

  constructor(
    readonly config: GatewayConfig,
    private readonly deps: GatewayDeps,
  ) {
    this.log = deps.log ?? createLogger(config.log.level);
  }

  async start(): Promise<void> {
    const c = this.config;
    const clock = this.deps.clock;
    this.startedAt = clock.now();
    this.store = new Store({ path: c.store.path!, synchronous: c.store.synchronous, maxPageCount: c.store.maxPageCount, clock, rules: this.deps.rules ?? null });
    this.queue = new CommitQueue(
      this.store,
      clock,
      { flushMs: c.store.groupCommitMs, maxBatch: c.store.groupCommitMax, maxBatchReadings: c.store.groupCommitMaxReadings, maxQueue: c.store.queueMax },
      (b) => this.bus.emit("committed", b),
      this.log.child({ part: "store" }),
      (s) => this.bus.emit("storeHealth", { ok: s.ok, reason: s.reason }),
      (item, err) => poisonToReject(item, err, clock.now()),
    );
    this.transport = c.mqtt.external
      ? new ExternalBroker({ ...c.mqtt.external, clientId: c.mqtt.external.clientId ?? `${c.farm}-${c.gateway}-ingest` }, this.log.child({ part: "mqtt" }))
      : new EmbeddedBroker(
          {
            host: c.mqtt.listen.host, port: c.mqtt.listen.port, base: c.base, farm: c.farm,
            users: [...c.mqtt.nodes.map((n) => ({ user: n.id, passwordHash: n.passwordHash, role: "node" as const })), ...c.mqtt.observers.map((o) => ({ ...o, role: "observer" as const }))],
          },
          this.log.child({ part: "broker" }),
        );
    const transport = this.transport;
    if (transport instanceof ExternalBroker) {
      this.metrics.collect("gateway_external_broker_connected", "1 while the gateway is connected to the external MQTT broker, 0 while it retries", () => [{ value: transport.connected ? 1 : 0 }]);
    }
    this.ingest = new Ingest({ base: c.base, farm: c.farm }, this.transport, this.queue, this.bus, clock, this.log.child({ part: "ingest" }), this.metrics);
    this.commands = new Commands(
      { base: c.base, farm: c.farm, gateway: c.gateway, timeoutMs: this.deps.commandTimeoutMs ?? c.commands.timeoutS * 1000, nodes: c.mqtt.nodes.map((n) => n.id), credentials: c.mqtt.external ? undefined : new Map(c.mqtt.nodes.map((n) => [n.id, n.passwordHash])) },
      this.transport, this.store, this.queue, this.bus, clock, this.log.child({ part: "commands" }), this.metrics,
    );
    if (c.upstream) this.upstream = new Upstream(c.upstream, { base: c.base, farm: c.farm, gateway: c.gateway }, this.store, this.bus, clock, this.log.child({ part: "upstream" }), this.metrics);
    this.retention = new Retention(this.store, clock, c.store.retentionDays, () => (this.upstream ? this.upstream.ackedSeq() : Infinity), this.log.child({ part: "retention" }));

    await this.startFeature(this.store);
    registerStoreMetrics(this.metrics, this.store, this.queue);
    let boot = 0;
    if (c.polling.length > 0) boot = this.store.nextGatewayBoot();
    let pollSeq = 0;
    const nextSeq = () => ++pollSeq;
    this.pollers = c.polling.map((bus, i) => new Poller(bus, { node: c.gateway, boot, nextSeq }, this.queue, clock, this.log.child({ part: "poller", bus: i }), this.metrics));
    await this.startFeature(this.queue);
    await this.startFeature(this.transport);
    await this.startFeature(this.ingest);
    await this.startFeature(this.commands);
    for (const p of this.pollers) await this.startFeature(p);
    if (this.upstream) await this.startFeature(this.upstream);
    await this.startFeature(this.retention);
    this.http = new Http(this, { host: c.http.host, port: c.http.port, rules: this.deps.rules }, clock, this.log.child({ part: "http" }));
    await this.startFeature(this.http);
    this.log.info("gateway started", { farm: c.farm, gateway: c.gateway, db: c.store.path });
  }

  async stop(): Promise<void> {
    for (const f of this.started.reverse()) {
      try {
        await f.stop();
      } catch (e) {
        this.log.warn("stop failed", { err: (e as Error).message });
      }
    }
    this.started = [];
    this.log.info("gateway stopped");
  }

  health(): Health {
    const st = this.queue.state;
    const up = this.upstream ? { connected: this.upstream.connected, lag: this.upstream.lag() } : null;
    return { ok: st.ok, store: st, queueDepth: this.queue.depth, upstream: up, uptimeMs: this.deps.clock.now() - this.startedAt };
  }

  /** Port the embedded broker listens on (useful with port 0). */
  get mqttPort(): number {
    return this.transport instanceof EmbeddedBroker ? this.transport.boundPort : 0;
  }

  /** Records an event (turning, pump-out...) through the commit queue so the rules see it in order. */
  recordEvent(e: Omit<Extract<IngestItem, { kind: "event" }>, "kind">): boolean {
    return this.queue.enqueue({ kind: "event", ...e });
  }

  /**
   * An operator acknowledges a raised alert (the one path: HTTP route, tools, tests). The store
   * writes the transition and the rules engine's state in one transaction; the transition is
   * then announced like any commit, so the live socket and the upstream forwarder carry it
   * (they also find it in the feed by its seq). Null unless the alert is raised. Throws on
   * SQLite errors (disk full), having written nothing.
   */
  acknowledgeAlert(id: number, note: string, by: string): CommittedTransition | null {
    const tr = this.store.acknowledgeAlert(id, note, by, (err) => this.log.warn("rules engine did not take the acknowledgement", { alert: id, err: err.message }));
    if (!tr) return null;
    const batch: CommittedBatch = { readings: [], events: [], transitions: [tr], ledger: [], acks: [], messages: 0, duplicates: 0, rejects: 0, statuses: 0, commitMs: 0 };
    this.bus.emit("committed", batch);
    return tr;
  }

  private async startFeature(f: Feature): Promise<void> {
    await f.start();
    this.started.push(f);
  }
}

function poisonToReject(item: IngestItem, err: Error, now: number): IngestItem | null {
  if (item.kind !== "up") return null;
  const r: RejectInput = { kind: "reject", node: item.node, topic: "(store)", reason: "store error: " + err.message, payload: JSON.stringify(item).slice(0, 1024), receivedAt: now, boot: item.boot, seq: item.seq };
  return r;
}
