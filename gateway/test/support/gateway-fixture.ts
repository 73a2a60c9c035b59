import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import type { AckMessage, Clock } from "@manure-edge/protocol";
import { parseConfig } from "../../src/config/load";
import { hashSecret } from "../../src/config/passwords";
import { Gateway } from "../../src/gateway";
import { systemClock } from "../../src/clock";
import { silentLogger } from "../../src/log";
import type { RulesSink } from "../../src/rules-sink";
import { assertLocalListeners } from "./local-listeners";

/** Cheap scrypt cost for tests only (production hashes use N = 16384). */
export const nodeHash = (pw: string) => hashSecret(pw, { N: 1024 });

export async function startGateway(dir: string, extra: Record<string, unknown> = {}, clock: Clock = systemClock, rules: RulesSink | null = null): Promise<Gateway> {
  const cfg = parseConfig({
    farm: "demo",
    gateway: "gw1",
    dataDir: dir,
    log: { level: "silent" },
    mqtt: { listen: { host: "127.0.0.1", port: 0 }, nodes: [{ id: "pit-1", passwordHash: nodeHash("pw-pit-1") }, { id: "pit-2", passwordHash: nodeHash("pw-pit-2") }] },
    store: { groupCommitMs: 5 },
    http: { host: "127.0.0.1", port: 0 },
    ...extra,
  });
  assertLocalListeners(cfg, "startGateway");
  const gw = new Gateway(cfg, { clock, log: silentLogger, rules });
  await gw.start();
  return gw;
}

/** A test node: an MQTT client logged in as `node`, collecting the acks it receives. */
export class TestNode {
  acks: AckMessage[] = [];
  private waiters: { pred: (a: AckMessage) => boolean; resolve: (a: AckMessage) => void }[] = [];
  constructor(
    readonly client: MqttClient,
    readonly node: string,
  ) {
    client.on("message", (topic, payload) => {
      if (!topic.endsWith("/ack")) return;
      const a = JSON.parse(payload.toString()) as AckMessage;
      this.acks.push(a);
      for (const w of [...this.waiters]) if (w.pred(a)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(a);
      }
    });
  }

  static async connect(port: number, node: string, password: string, base = "manure", farm = "demo"): Promise<TestNode> {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: node, password, clientId: node + "-" + Math.random().toString(16).slice(2), reconnectPeriod: 0 });
    const n = new TestNode(client, node);
    await client.subscribeAsync(`${base}/${farm}/node/${node}/ack`, { qos: 1 });
    return n;
  }

  publishUp(msg: unknown, base = "manure", farm = "demo"): Promise<unknown> {
    return this.client.publishAsync(`${base}/${farm}/node/${this.node}/up`, typeof msg === "string" ? msg : JSON.stringify(msg), { qos: 1 });
  }

  /** Resolves with the first ack (already received or future) covering (b, s). */
  waitAck(b: number, s: number): Promise<AckMessage> {
    const pred = (a: AckMessage) => a.b > b || (a.b === b && a.s >= s);
    const have = this.acks.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  end(): Promise<void> {
    return this.client.endAsync(true);
  }
}

export function up(node: string, b: number, s: number, readings: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { v: 1, n: node, b, s, t: Date.UTC(2026, 2, 1) + s * 1000, cs: 1, up: 1_000_000 + s * 1000, r: readings, ...extra };
}

export const dbPath = (dir: string) => join(dir, "gateway.db");
