import mqtt, { type MqttClient } from "mqtt";
import type { AckMessage } from "@manure-edge/protocol";

/**
 * A node as the wire contract describes it (protocol/src/wire/types.ts): it keeps every message
 * until a cumulative ack covers it, sends oldest first, each with its predecessor in the queue
 * (p), and after every reconnect resends from its oldest unacknowledged message. Publishes as
 * fast as MQTT lets it.
 */
export class SimNode {
  private client: MqttClient | null = null;
  private nextSeq = 1;
  /** Unacked messages, oldest first. */
  readonly pending: { s: number; payload: string }[] = [];
  acked = 0;
  ackErrors = 0;
  private running = false;
  private pumping = false;
  /** false: only (re)send what is pending, produce nothing new. */
  producing = true;

  constructor(
    readonly node: string,
    readonly password: string,
    readonly boot: number,
    readonly readingsPerMessage = 5,
    private readonly maxPending = 20_000,
    readonly base = "manure",
    readonly farm = "demo",
  ) {}

  makeMessage(s: number): string {
    const t0 = Date.UTC(2026, 2, 1) + s * 60_000;
    const r = [];
    for (let i = 0; i < this.readingsPerMessage; i++) r.push([`dev${i}.p`, t0, s + i / 10, 0]);
    return JSON.stringify({ v: 1, n: this.node, b: this.boot, s, t: t0, cs: 1, up: s * 1000, r });
  }

  async connect(port: number): Promise<void> {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: this.node, password: this.password, reconnectPeriod: 0, clientId: `${this.node}-${Math.random().toString(16).slice(2)}` });
    this.client = client;
    client.on("message", (_t, p) => {
      const a = JSON.parse(p.toString()) as AckMessage;
      if (a.err) this.ackErrors++;
      if (a.b !== this.boot) return;
      if (a.s > this.acked) this.acked = a.s;
      while (this.pending.length > 0 && this.pending[0].s <= a.s) this.pending.shift();
    });
    client.on("close", () => {
      this.running = false;
    });
    await client.subscribeAsync(`${this.base}/${this.farm}/node/${this.node}/ack`, { qos: 1 });
    this.running = true;
    void this.pump();
  }

  /** Resends everything unacked, then keeps producing new messages while connected. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const client = this.client!;
    const topic = `${this.base}/${this.farm}/node/${this.node}/up`;
    try {
      let prev: number | null = null;
      for (const m of [...this.pending]) {
        if (!this.running) return;
        await client.publishAsync(topic, withPred(m.payload, prev === null ? 0 : [this.boot, prev]), { qos: 1 });
        prev = m.s;
      }
      while (this.running && this.producing) {
        if (this.pending.length >= this.maxPending) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        const s = this.nextSeq++;
        const payload = this.makeMessage(s);
        const before = this.pending.length > 0 ? this.pending[this.pending.length - 1].s : null;
        this.pending.push({ s, payload });
        await client.publishAsync(topic, withPred(payload, before === null ? 0 : [this.boot, before]), { qos: 1 });
      }
    } catch {
      /* connection gone: resend after reconnect */
    } finally {
      this.pumping = false;
    }
  }

  get sent(): number {
    return this.nextSeq - 1;
  }

  async disconnect(): Promise<void> {
    this.running = false;
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync(true).catch(() => undefined);
  }
}

/** The stored message with its predecessor p added (UplinkMessage.p, set at every send). */
function withPred(payload: string, p: [number, number] | 0): string {
  return '{"p":' + JSON.stringify(p) + "," + payload.slice(1);
}
