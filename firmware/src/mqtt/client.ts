/**
 * A small MQTT 3.1.1 client over a TCP socket (Espruino's `net`, or node:net in tests).
 *
 * Session: clean session 0 with a stable client id (the node id). The broker then keeps the
 * subscriptions and queues QoS 1 commands and acks published while the node is away (a
 * configuration push during a Wi-Fi dropout is not lost), and both sides re-send unacknowledged
 * QoS 1 PUBLISH packets with their original identifiers and DUP set on reconnect (§4.4,
 * [MQTT-4.4.0-1]). No-loss of readings does not rest on this: the uplink queue keeps every
 * message until the gateway's own ack covers it (protocol/src/wire/types.ts AckMessage).
 */
import type { Clock } from "@manure-edge/protocol";
import type { Net, Socket } from "../hw/types";
import { PacketParser } from "./parser";
import {
  CONNACK, PINGRESP, PUBACK, PUBLISH, SUBACK,
  decodePublish, encodeConnect, encodeDisconnect, encodePingreq, encodePuback, encodePublish, encodeSubscribe, readU16,
  type Packet, type Will,
} from "./packets";

export interface MqttOptions {
  host: string;
  port: number;
  clientId: string;
  user?: string;
  pass?: string;
  /** Seconds (§3.1.2.10). */
  keepalive: number;
  clean: boolean;
  will?: Will;
  /** Topics subscribed (QoS 1) after every CONNACK. */
  subscribe: string[];
  /** Reconnect backoff: first delay and ceiling, ms. */
  backoffMin?: number;
  backoffMax?: number;
  /** CONNACK must arrive within this many ms. */
  connectTimeout?: number;
}

export interface MqttHandlers {
  onConnect(sessionPresent: boolean): void;
  onDisconnect(): void;
  onMessage(topic: string, payload: string): void;
}

interface Inflight {
  topic: string;
  payload: string;
  retain: boolean;
  /** Written on the current or an earlier connection: a re-send carries DUP (§3.3.1.1). */
  sent: boolean;
  done?: (delivered: boolean) => void;
}

export class MqttClient {
  connected = false;
  reconnects = 0;
  protocolErrors = 0;
  private sock: Socket | null = null;
  private readonly parser: PacketParser;
  private inflight: { [id: string]: Inflight } = {};
  private inflightCount = 0;
  private nextId = 1;
  private attempt = 0;
  private running = false;
  private timer: unknown = null;
  private pingTimer: unknown = null;
  private lastSent = 0;
  private pingSentAt = 0;
  /** Increments per connection so that events of a dead socket are ignored. */
  private gen = 0;

  constructor(
    private readonly net: Net,
    private readonly clock: Clock,
    private opts: MqttOptions,
    private readonly h: MqttHandlers,
    private readonly random: () => number,
  ) {
    this.parser = new PacketParser((p) => this.onPacket(p));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.open();
  }

  /** Sends DISCONNECT (so the broker does not publish the will, §3.14.4) and stops reconnecting. */
  stop(): void {
    this.running = false;
    this.clearTimers();
    if (this.sock && this.connected) this.sock.write(encodeDisconnect());
    this.drop(false);
  }

  /** Link went down (Wi-Fi lost): close now, reconnect with backoff once start() is called again. */
  pause(): void {
    this.running = false;
    this.clearTimers();
    this.drop(false);
  }

  setOptions(o: MqttOptions): void {
    this.opts = o;
  }

  inflightSize(): number {
    return this.inflightCount;
  }

  /**
   * Publishes when connected; returns false otherwise (callers keep their own queue).
   * QoS 1: `done(true)` once PUBACK arrives; `done(false)` if the session is lost first.
   */
  publish(topic: string, payload: string, qos: 0 | 1, retain: boolean, done?: (delivered: boolean) => void): boolean {
    if (!this.connected || !this.sock) return false;
    if (qos === 0) {
      this.send(encodePublish(topic, payload, 0, retain, 0, false));
      if (done) done(true);
      return true;
    }
    const id = this.allocId();
    if (id === 0) return false;
    this.inflight[id] = { topic: topic, payload: payload, retain: retain, sent: true, done: done };
    this.inflightCount++;
    this.send(encodePublish(topic, payload, 1, retain, id, false));
    return true;
  }

  private allocId(): number {
    // §2.3.1: a non-zero 16-bit identifier not used by another unacknowledged packet.
    for (let n = 0; n < 65535; n++) {
      const id = this.nextId;
      this.nextId = this.nextId >= 65535 ? 1 : this.nextId + 1;
      if (!this.inflight[id]) return id;
    }
    return 0;
  }

  private open(): void {
    const gen = ++this.gen;
    this.parser.reset();
    let sock: Socket;
    try {
      sock = this.net.connect(this.opts.host, this.opts.port);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.sock = sock;
    sock.on("connect", () => {
      if (gen !== this.gen) return;
      this.send(encodeConnect({
        clientId: this.opts.clientId, keepalive: this.opts.keepalive, clean: this.opts.clean,
        user: this.opts.user, pass: this.opts.pass, will: this.opts.will,
      }));
    });
    sock.on("data", (d: string) => {
      if (gen !== this.gen) return;
      try {
        this.parser.push(d);
      } catch {
        this.protocolErrors++;
        this.drop(true);
      }
    });
    sock.on("close", () => {
      if (gen === this.gen) this.drop(true);
    });
    sock.on("error", () => {
      if (gen === this.gen) this.drop(true);
    });
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (gen === this.gen && !this.connected) this.drop(true);
    }, this.opts.connectTimeout || 10000);
  }

  private send(p: string): void {
    if (!this.sock) return;
    this.lastSent = this.clock.now();
    this.sock.write(p);
  }

  private onPacket(p: Packet): void {
    switch (p.type) {
      case CONNACK: {
        // §3.2.2.3: return code 0 = accepted; anything else and the server closes.
        const rc = p.body.charCodeAt(1);
        if (rc !== 0) {
          this.protocolErrors++;
          this.drop(true);
          return;
        }
        const sessionPresent = (p.body.charCodeAt(0) & 1) === 1;
        this.connected = true;
        this.attempt = 0;
        if (this.timer !== null) {
          this.clock.clearTimeout(this.timer);
          this.timer = null;
        }
        this.startPing();
        this.send(encodeSubscribe(this.allocSubId(), this.opts.subscribe.map((t) => ({ topic: t, qos: 1 as const }))));
        this.resumeInflight(sessionPresent);
        this.h.onConnect(sessionPresent);
        return;
      }
      case PUBLISH: {
        const m = decodePublish(p);
        // §4.3.2: QoS 1 is acknowledged with PUBACK; the application copes with duplicates.
        if (m.qos === 1) this.send(encodePuback(m.id));
        this.h.onMessage(m.topic, m.payload);
        return;
      }
      case PUBACK: {
        const id = readU16(p.body, 0);
        const f = this.inflight[id];
        if (f) {
          delete this.inflight[id];
          this.inflightCount--;
          if (f.done) f.done(true);
        }
        return;
      }
      case PINGRESP:
        this.pingSentAt = 0;
        return;
      case SUBACK:
        return;
      default:
        this.protocolErrors++;
    }
  }

  private allocSubId(): number {
    const id = this.allocId();
    return id === 0 ? 1 : id;
  }

  /** §4.4: with the session kept, re-send unacknowledged PUBLISH with DUP and the same id. */
  private resumeInflight(sessionPresent: boolean): void {
    const ids = Object.keys(this.inflight);
    for (let i = 0; i < ids.length; i++) {
      const f = this.inflight[ids[i]];
      if (sessionPresent) {
        this.send(encodePublish(f.topic, f.payload, 1, f.retain, +ids[i], f.sent));
        f.sent = true;
      } else {
        // A new session: the broker forgot these identifiers; the owner sends again as new.
        delete this.inflight[ids[i]];
        this.inflightCount--;
        if (f.done) f.done(false);
      }
    }
  }

  private startPing(): void {
    const ka = this.opts.keepalive * 1000;
    if (ka <= 0) return;
    this.pingSentAt = 0;
    // §3.1.2.10: a control packet at least every keep-alive period; no PINGRESP within a
    // reasonable time (half the period here) means the connection is dead.
    this.pingTimer = this.clock.setInterval(() => {
      const now = this.clock.now();
      if (this.pingSentAt && now - this.pingSentAt > ka / 2) {
        this.drop(true);
        return;
      }
      if (!this.pingSentAt && now - this.lastSent >= ka / 2) {
        this.pingSentAt = now;
        this.send(encodePingreq());
      }
    }, Math.max(250, Math.floor(ka / 4)));
  }

  private clearTimers(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    if (this.pingTimer !== null) this.clock.clearInterval(this.pingTimer);
    this.timer = null;
    this.pingTimer = null;
  }

  private drop(reconnect: boolean): void {
    this.gen++;
    const wasConnected = this.connected;
    this.connected = false;
    this.clearTimers();
    const s = this.sock;
    this.sock = null;
    if (s) {
      try {
        s.end();
      } catch {
        // already closed
      }
    }
    if (wasConnected) this.h.onDisconnect();
    if (reconnect && this.running) this.scheduleReconnect();
  }

  /** Exponential backoff with jitter so that a farm's nodes do not reconnect in step. */
  private scheduleReconnect(): void {
    const min = this.opts.backoffMin || 1000;
    const max = this.opts.backoffMax || 60000;
    const base = Math.min(max, min * Math.pow(2, this.attempt));
    this.attempt = Math.min(this.attempt + 1, 16);
    const delay = Math.floor(base / 2 + (this.random() * base) / 2);
    this.reconnects++;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (this.running) this.open();
    }, delay);
  }
}
