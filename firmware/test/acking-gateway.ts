/**
 * The gateway's side of the wire contract, reduced to what the node's tests need: subscribe
 * to a node's topics, validate every message with protocol's validators, keep uplink
 * messages once per (boot, seq) (as the gateway's store does), and answer with the
 * cumulative ack (protocol/src/wire/types.ts AckMessage) once a message is "stored".
 */
import mqtt, { type MqttClient } from "mqtt";
import { nodeTopic, validateStatus, validateUplink, type StatusMessage, type UplinkMessage } from "@manure-edge/protocol";

export class AckingGateway {
  readonly messages = new Map<string, UplinkMessage>();
  duplicates = 0;
  /** Duplicates whose text (but p) differs from the first copy: a resend must be the same message. */
  changedDuplicates = 0;
  /** The first copy of each message, as the node stored it (as received, without p). */
  readonly raw = new Map<string, string>();
  invalid: string[] = [];
  statuses: StatusMessage[] = [];
  results: { id: string; ok: boolean; err?: string }[] = [];
  acking = true;
  /** Messages received out of (boot, seq) order; a cumulative ack is only sent for the highest contiguous. */
  private client!: MqttClient;

  /** The gateway's clock: the ack's `t` sets the node's clock (a virtual clock in simulations). */
  now: () => number = () => Date.now();

  constructor(private readonly url: string, readonly farm: string, readonly node: string, readonly base = "manure") {}

  topic(kind: "up" | "ack" | "status" | "cmd" | "cmd/res") {
    return nodeTopic(this.base, this.farm, this.node, kind);
  }

  async start() {
    this.client = await mqtt.connectAsync(this.url, { clientId: "gw-" + Math.random().toString(16).slice(2), clean: true });
    this.client.on("message", (t, p) => this.onMessage(t, p.toString("latin1")));
    await this.client.subscribeAsync([this.topic("up"), this.topic("status"), this.topic("cmd/res")], { qos: 1 });
  }

  private onMessage(t: string, p: string) {
    let j: unknown;
    try {
      j = JSON.parse(p);
    } catch {
      this.invalid.push(t + ": not JSON");
      return;
    }
    if (t === this.topic("up")) {
      const v = validateUplink(j, this.node);
      if (!v.ok) {
        this.invalid.push(v.path + ": " + v.reason);
        return;
      }
      const k = v.value.b + ":" + v.value.s;
      // The predecessor p and the uptime at send su are set at every send; the rest is the
      // message as the node stored it.
      const stored = p.replace(/^\{"p":(0|\[\d+,\d+\]),("su":\d+,)?/, "{");
      if (this.messages.has(k)) {
        this.duplicates++;
        if (this.raw.get(k) !== stored) this.changedDuplicates++;
      } else {
        this.messages.set(k, v.value);
        this.raw.set(k, stored);
      }
      if (this.acking) this.ack(v.value.b, v.value.s, this.now()).catch(() => undefined);
    } else if (t === this.topic("status")) {
      const v = validateStatus(j);
      if (!v.ok) this.invalid.push("status " + v.path + ": " + v.reason);
      else this.statuses.push(v.value);
    } else if (t === this.topic("cmd/res")) {
      this.results.push(j as { id: string; ok: boolean; err?: string });
    }
  }

  /** Publishes an ack as the gateway would (e.g. a late one, with an old time). */
  ack(b: number, s: number, t: number) {
    return this.client.publishAsync(this.topic("ack"), JSON.stringify({ v: 1, b, s, t }), { qos: 1 });
  }

  command(id: string, op: string, cfg?: unknown, exp?: number) {
    return this.client.publishAsync(this.topic("cmd"), JSON.stringify({ v: 1, id, op, cfg, exp }), { qos: 1 });
  }

  /** Readings of one sensor key, in (boot, seq) order. */
  readings(key: string) {
    return [...this.messages.values()]
      .sort((a, b) => a.b - b.b || a.s - b.s)
      .flatMap((m) => m.r.filter((r) => r[0] === key));
  }

  /** (boot, seq) pairs missing between 1 and the highest seq of each boot. */
  gaps(): string[] {
    const byBoot = new Map<number, Set<number>>();
    for (const m of this.messages.values()) {
      if (!byBoot.has(m.b)) byBoot.set(m.b, new Set());
      byBoot.get(m.b)!.add(m.s);
    }
    const out: string[] = [];
    for (const [b, ss] of byBoot) {
      const max = Math.max(...ss);
      for (let s = 1; s <= max; s++) if (!ss.has(s)) out.push(b + ":" + s);
    }
    return out;
  }

  async stop() {
    await this.client.endAsync();
  }
}

export function waitFor<T>(cond: () => T | undefined | false | null, what: string, ms = 60000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      let v: T | undefined | false | null;
      try {
        v = cond();
      } catch (e) {
        return reject(e);
      }
      if (v) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error("timed out waiting for " + what));
      setTimeout(tick, 25);
    };
    tick();
  });
}
