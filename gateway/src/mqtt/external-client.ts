import mqtt, { type MqttClient } from "mqtt";
import { readFileSync } from "node:fs";
import type { Logger } from "../log";
import type { MessageHandler, MqttTransport } from "./transport";

export interface ExternalBrokerOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  /** How long start() waits for the first connection before going on without it (ms). */
  connectWaitMs?: number;
}

/**
 * Network errors the broker being down or restarting gives (the client keeps retrying); any
 * other first-connection error (refused credentials, a TLS certificate) is a configuration
 * error that start() reports.
 */
const TRANSIENT = ["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EPIPE"];

/**
 * The gateway as a client of an external broker (mosquitto on the farm box). Per-node
 * credentials and ACLs are then the broker's job (mosquitto password_file + acl_file); the
 * ingest still checks that a payload's node matches its topic. Persistent session
 * (clean=false) so QoS 1 messages published while the gateway restarts wait in the broker.
 *
 * A broker that is down when the gateway starts (boot order on the farm box, a restart) does
 * not keep the gateway from starting: the panel and the API come up, the client retries every
 * 2 s, subscriptions go out when it connects (and again after every reconnect to a broker that
 * lost the session: MQTT.js resubscribe), and nodes keep their messages until acked.
 */
export class ExternalBroker implements MqttTransport {
  private client: MqttClient | null = null;
  private readonly handlers: { filter: string; re: RegExp; handler: MessageHandler }[] = [];

  constructor(
    private readonly opts: ExternalBrokerOptions,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async start(): Promise<void> {
    const tls = this.opts.tls;
    const client = mqtt.connect(this.opts.url, {
      clientId: this.opts.clientId,
      username: this.opts.username,
      password: this.opts.password,
      clean: false,
      reconnectPeriod: 2000,
      ca: tls?.ca ? readFileSync(tls.ca) : undefined,
      cert: tls?.cert ? readFileSync(tls.cert) : undefined,
      key: tls?.key ? readFileSync(tls.key) : undefined,
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    });
    this.client = client;
    client.on("message", (topic, payload) => {
      for (const h of this.handlers) if (h.re.test(topic)) h.handler(topic, payload);
    });
    client.on("reconnect", () => this.log.info("reconnecting to the external broker"));
    const first = await new Promise<Error | "connected" | "waiting">((resolve) => {
      const timer = setTimeout(() => resolve("waiting"), this.opts.connectWaitMs ?? 5000);
      client.once("connect", () => {
        clearTimeout(timer);
        resolve("connected");
      });
      client.once("error", (e: Error & { code?: string | number }) => {
        if (typeof e.code === "string" && TRANSIENT.includes(e.code)) return;
        clearTimeout(timer);
        resolve(e);
      });
    });
    client.on("error", (e) => this.log.warn("external broker error", { err: e.message }));
    if (first instanceof Error) {
      this.client = null;
      await client.endAsync(true);
      throw new Error(`external broker ${this.opts.url}: ${first.message}`);
    }
    if (first === "waiting") this.log.warn("external broker not reachable yet; starting without it and retrying every 2 s", { url: this.opts.url });
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    // Disconnected (broker down): nothing can be flushed, and a graceful end would wait for
    // the QoS 1 messages still queued (a command, an ack) for ever. Those are lost with the
    // process anyway (MQTT.js keeps them in memory); close at once.
    if (c) await c.endAsync(!c.connected);
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    this.handlers.push({ filter, re: filterToRegExp(filter), handler });
    const c = this.need();
    if (c.connected) {
      await c.subscribeAsync(filter, { qos: 1 });
      return;
    }
    // Offline: MQTT.js queues the SUBSCRIBE and sends it once connected (and keeps it for
    // resubscribing); waiting for its SUBACK here would hold the gateway's start up.
    c.subscribe(filter, { qos: 1 }, (e) => {
      if (e) this.log.warn("subscribe failed", { filter, err: e.message });
    });
  }

  async publish(topic: string, payload: string | Buffer, opts: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    await this.need().publishAsync(topic, payload, { qos: opts.qos, retain: opts.retain ?? false });
  }

  kick(): boolean {
    return false;
  }

  connectedNodes(): null {
    return null;
  }

  private need(): MqttClient {
    if (!this.client) throw new Error("external broker client is not started");
    return this.client;
  }
}

/** MQTT 3.1.1 §4.7.1: '+' matches one level, '#' (last) any number of levels. */
export function filterToRegExp(filter: string): RegExp {
  const parts = filter.split("/").map((l) => (l === "+" ? "[^/]+" : l === "#" ? ".*" : l.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp("^" + parts.join("/") + "$");
}
