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
}

/**
 * The gateway as a client of an external broker (mosquitto on the farm box). Per-node
 * credentials and ACLs are then the broker's job (mosquitto password_file + acl_file); the
 * ingest still checks that a payload's node matches its topic. Persistent session
 * (clean=false) so QoS 1 messages published while the gateway restarts wait in the broker.
 */
export class ExternalBroker implements MqttTransport {
  private client: MqttClient | null = null;
  private readonly handlers: { filter: string; re: RegExp; handler: MessageHandler }[] = [];

  constructor(
    private readonly opts: ExternalBrokerOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const tls = this.opts.tls;
    this.client = await mqtt.connectAsync(this.opts.url, {
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
    this.client.on("message", (topic, payload) => {
      for (const h of this.handlers) if (h.re.test(topic)) h.handler(topic, payload);
    });
    this.client.on("error", (e) => this.log.warn("external broker error", { err: e.message }));
    this.client.on("reconnect", () => this.log.info("reconnecting to the external broker"));
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
    await this.need().subscribeAsync(filter, { qos: 1 });
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
