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
  type ConnectOptions, type Packet,
} from "./packets";

/** The CONNECT packet's fields (keepalive in s, §3.1.2.10), and: */
export interface MqttOptions extends ConnectOptions {
  host: string;
  port: number;
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
  private _sock: Socket | null = null;
  private readonly _parser: PacketParser;
  private _inflight: { [id: string]: Inflight } = {};
  private _inflightCount = 0;
  private _nextId = 1;
  private _attempt = 0;
  private _running = false;
  private _timer: unknown = null;
  private _pingTimer: unknown = null;
  private _lastSent = 0;
  private _pingSentAt = 0;
  /** Increments per connection so that events of a dead socket are ignored. */
  private _gen = 0;

  constructor(
    private readonly _net: Net,
    private readonly _clock: Clock,
    private _opts: MqttOptions,
    private readonly _h: MqttHandlers,
    private readonly _random: () => number,
  ) {
    this._parser = new PacketParser((p) => this._onPacket(p));
  }

  start(): void {
    if (this._running) return;
    this._running = true;
    this._attempt = 0;
    this._open();
  }

  /** Sends DISCONNECT (so the broker does not publish the will, §3.14.4) and stops reconnecting. */
  stop(): void {
    this._running = false;
    this._clearTimers();
    if (this._sock && this.connected) this._sock.write(encodeDisconnect());
    this._drop(false);
  }

  /** Link went down (Wi-Fi lost): close now, reconnect with backoff once start() is called again. */
  pause(): void {
    this._running = false;
    this._clearTimers();
    this._drop(false);
  }

  setOptions(o: MqttOptions): void {
    this._opts = o;
  }

  inflightSize(): number {
    return this._inflightCount;
  }

  /**
   * Publishes when connected; returns false otherwise (callers keep their own queue).
   * QoS 1: `done(true)` once PUBACK arrives; `done(false)` if the session is lost first.
   */
  publish(topic: string, payload: string, qos: 0 | 1, retain: boolean, done?: (delivered: boolean) => void): boolean {
    if (!this.connected || !this._sock) return false;
    if (qos === 0) {
      this._send(encodePublish(topic, payload, 0, retain, 0, false));
      if (done) done(true);
      return true;
    }
    const id = this._allocId();
    if (id === 0) return false;
    this._inflight[id] = { topic: topic, payload: payload, retain: retain, sent: true, done: done };
    this._inflightCount++;
    this._send(encodePublish(topic, payload, 1, retain, id, false));
    return true;
  }

  private _allocId(): number {
    // §2.3.1: a non-zero 16-bit identifier not used by another unacknowledged packet.
    for (let n = 0; n < 65535; n++) {
      const id = this._nextId;
      this._nextId = this._nextId >= 65535 ? 1 : this._nextId + 1;
      if (!this._inflight[id]) return id;
    }
    return 0;
  }

  private _open(): void {
    const gen = ++this._gen;
    this._parser.reset();
    let sock: Socket;
    try {
      sock = this._net.connect(this._opts.host, this._opts.port);
    } catch {
      this._scheduleReconnect();
      return;
    }
    this._sock = sock;
    sock.on("connect", () => {
      if (gen !== this._gen) return;
      this._send(encodeConnect(this._opts));
    });
    sock.on("data", (d: string) => {
      if (gen !== this._gen) return;
      try {
        this._parser.push(d);
      } catch {
        this.protocolErrors++;
        this._drop(true);
      }
    });
    sock.on("close", () => {
      if (gen === this._gen) this._drop(true);
    });
    sock.on("error", () => {
      if (gen === this._gen) this._drop(true);
    });
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      if (gen === this._gen && !this.connected) this._drop(true);
    }, this._opts.connectTimeout || 10000);
  }

  private _send(p: string): void {
    if (!this._sock) return;
    this._lastSent = this._clock.now();
    this._sock.write(p);
  }

  private _onPacket(p: Packet): void {
    switch (p.type) {
      case CONNACK: {
        // §3.2.2.3: return code 0 = accepted; anything else and the server closes.
        const rc = p.body.charCodeAt(1);
        if (rc !== 0) {
          this.protocolErrors++;
          this._drop(true);
          return;
        }
        const sessionPresent = (p.body.charCodeAt(0) & 1) === 1;
        this.connected = true;
        this._attempt = 0;
        if (this._timer !== null) {
          this._clock.clearTimeout(this._timer);
          this._timer = null;
        }
        this._startPing();
        this._send(encodeSubscribe(this._allocSubId(), this._opts.subscribe.map((t) => ({ topic: t, qos: 1 as const }))));
        this._resumeInflight(sessionPresent);
        this._h.onConnect(sessionPresent);
        return;
      }
      case PUBLISH: {
        const m = decodePublish(p);
        // §4.3.2: QoS 1 is acknowledged with PUBACK; the application copes with duplicates.
        if (m.qos === 1) this._send(encodePuback(m.id));
        this._h.onMessage(m.topic, m.payload);
        return;
      }
      case PUBACK: {
        const id = readU16(p.body, 0);
        const f = this._inflight[id];
        if (f) {
          delete this._inflight[id];
          this._inflightCount--;
          if (f.done) f.done(true);
        }
        return;
      }
      case PINGRESP:
        this._pingSentAt = 0;
        return;
      case SUBACK:
        return;
      default:
        this.protocolErrors++;
    }
  }

  private _allocSubId(): number {
    const id = this._allocId();
    return id === 0 ? 1 : id;
  }

  /** §4.4: with the session kept, re-send unacknowledged PUBLISH with DUP and the same id. */
  private _resumeInflight(sessionPresent: boolean): void {
    const ids = Object.keys(this._inflight);
    for (let i = 0; i < ids.length; i++) {
      const f = this._inflight[ids[i]];
      if (sessionPresent) {
        this._send(encodePublish(f.topic, f.payload, 1, f.retain, +ids[i], f.sent));
        f.sent = true;
      } else {
        // A new session: the broker forgot these identifiers; the owner sends again as new.
        delete this._inflight[ids[i]];
        this._inflightCount--;
        if (f.done) f.done(false);
      }
    }
  }

  private _startPing(): void {
    const ka = this._opts.keepalive * 1000;
    if (ka <= 0) return;
    this._pingSentAt = 0;
    // §3.1.2.10: a control packet at least every keep-alive period; no PINGRESP within a
    // reasonable time (half the period here) means the connection is dead.
    this._pingTimer = this._clock.setInterval(() => {
      const now = this._clock.now();
      if (this._pingSentAt && now - this._pingSentAt > ka / 2) {
        this._drop(true);
        return;
      }
      if (!this._pingSentAt && now - this._lastSent >= ka / 2) {
        this._pingSentAt = now;
        this._send(encodePingreq());
      }
    }, Math.max(250, Math.floor(ka / 4)));
  }

  private _clearTimers(): void {
    if (this._timer !== null) this._clock.clearTimeout(this._timer);
    if (this._pingTimer !== null) this._clock.clearInterval(this._pingTimer);
    this._timer = null;
    this._pingTimer = null;
  }

  private _drop(reconnect: boolean): void {
    this._gen++;
    const wasConnected = this.connected;
    this.connected = false;
    this._clearTimers();
    const s = this._sock;
    this._sock = null;
    if (s) {
      try {
        s.end();
      } catch {
        // already closed
      }
    }
    if (wasConnected) this._h.onDisconnect();
    if (reconnect && this._running) this._scheduleReconnect();
  }

  /** Exponential backoff with jitter so that a farm's nodes do not reconnect in step. */
  private _scheduleReconnect(): void {
    const min = this._opts.backoffMin || 1000;
    const max = this._opts.backoffMax || 60000;
    const base = Math.min(max, min * Math.pow(2, this._attempt));
    this._attempt = Math.min(this._attempt + 1, 16);
    const delay = Math.floor(base / 2 + (this._random() * base) / 2);
    this.reconnects++;
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      if (this._running) this._open();
    }, delay);
  }
}
