import { createServer, connect, type Server, type Socket } from "node:net";
import { parser as mqttParser, type Packet } from "mqtt-packet";
import { parseNodeTopic } from "@manure-edge/protocol";
import type { IoGuard, IoTicket } from "../clock/io-guard";

/** One uplink message as the node sent it (its first transmission; resends are counted). */
export interface TappedUplink {
  node: string;
  b: number;
  s: number;
  /** The readings exactly as on the wire: [key, t, value, flags, extra?]. */
  r: unknown[][];
  /** How many times it went out (QoS 1 DUP re-sends and application resends included). */
  sends: number;
}

export interface TappedAck {
  node: string;
  b: number;
  s: number;
  t: number;
  err?: string;
}

/**
 * A transparent TCP relay between the nodes' virtual network and the gateway's embedded
 * broker that reads the MQTT 3.1.1 packets going by (OASIS MQTT 3.1.1 §2 fixed header,
 * §3.3 PUBLISH). It is the rig's witness of what the firmware really produced and what the
 * gateway really acknowledged, without touching either: `noReadingLost` compares the DB
 * against it.
 *
 * It also holds the VirtualClock's real-I/O guard across the two hops the node's own network
 * guard cannot see (hil-sim README, "net"): from an uplink PUBLISH until the gateway has
 * queued it (`queued()`), and from the gateway's commit until its ack has come back through
 * here (`ackDue()`). Without this, the virtual time at which the gateway stamps a message
 * and at which the node's clock is set from the ack would depend on socket scheduling, and
 * two runs with the same seed would store different timestamps.
 */
export class MqttTap {
  readonly uplinks = new Map<string, TappedUplink>();
  /**
   * PUBLISH packets seen, by "<direction> <topic kind> qos<n>" (direction "node" or "gateway",
   * kind as in protocol's parseNodeTopic: up, status, ack, cmd, cmd/res): which QoS each side
   * really used on the wire (../shared/anchors.md: Neuron's QoS 0 default loses data).
   */
  readonly publishQos = new Map<string, number>();
  readonly acks: TappedAck[] = [];
  /** Tickets that had to be released by the wall-clock safety net (should stay 0). */
  safetyReleases = 0;
  private server: Server | null = null;
  private readonly conns = new Set<Socket>();
  /** node id → open relays carrying that node's CONNECT. */
  private readonly nodeConns = new Map<string, number>();
  private readonly upTickets = new Map<string, IoTicket[]>();
  private readonly ackTickets = new Map<string, { b: number; s: number; done: IoTicket }[]>();
  port = 0;
  /** A node sent a packet nothing answers (PUBACK, DISCONNECT): see Rig's per-node I/O tracker. */
  onSilentWrite: ((node: string) => void) | null = null;
  private releasing: IoTicket[] | null = null;
  /** Every packet going by, for debugging ("up" = node to broker). */
  onPacket: ((dir: "up" | "down", p: Packet) => void) | null = null;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly io: IoGuard,
    /** Wall ms after which a ticket is released anyway (a message the gateway dropped). */
    private readonly safetyWallMs = 3000,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((c) => this.relay(c));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.releaseAll();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }

  /** The gateway queued uplink (node, b, s): the first hop is over. */
  queued(node: string, b: number, s: number): void {
    const k = key(node, b, s);
    const list = this.upTickets.get(k);
    if (!list) return;
    for (const t of list) t();
    this.upTickets.delete(k);
  }

  /**
   * The gateway committed and is about to publish ack (b, s) to `node`: hold the clock until
   * it has passed here, if the node has a connection that can receive it.
   */
  ackDue(node: string, b: number, s: number): void {
    if ((this.nodeConns.get(node) ?? 0) === 0) return;
    const list = this.ackTickets.get(node) ?? [];
    list.push({ b, s, done: this.safe(this.io.begin()) });
    this.ackTickets.set(node, list);
  }

  /** Every uplink the firmware sent, in (node, boot, seq) order. */
  sortedUplinks(): TappedUplink[] {
    return [...this.uplinks.values()].sort((x, y) => (x.node < y.node ? -1 : x.node > y.node ? 1 : x.b - y.b || x.s - y.s));
  }

  /** Highest (b, s) acked to each node. */
  ackedUpTo(node: string): { b: number; s: number } | null {
    let best: { b: number; s: number } | null = null;
    for (const a of this.acks) if (a.node === node && (!best || a.b > best.b || (a.b === best.b && a.s > best.s))) best = { b: a.b, s: a.s };
    return best;
  }

  private safe(ticket: IoTicket): IoTicket {
    const h = setTimeout(() => {
      this.safetyReleases++;
      ticket();
    }, this.safetyWallMs);
    return () => {
      clearTimeout(h);
      ticket();
    };
  }

  private releaseAll(): void {
    for (const l of this.upTickets.values()) for (const t of l) t();
    this.upTickets.clear();
    for (const l of this.ackTickets.values()) for (const t of l) t.done();
    this.ackTickets.clear();
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    this.conns.add(client);
    this.conns.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let node: string | null = null;
    // Requests waiting for the broker's answer (MQTT 3.1.1 §3.2 CONNACK, §3.4 PUBACK, §3.9
    // SUBACK, §3.13 PINGRESP): the clock is held until it has passed back through here.
    const waiting = new Map<string, IoTicket[]>();
    const expect = (k: string) => {
      const l = waiting.get(k) ?? [];
      l.push(this.safe(this.io.begin()));
      waiting.set(k, l);
    };
    // Tickets ended by what comes down are released only once those bytes have reached the
    // node's socket (the next turn of Node's event loop after the write: loopback delivers at
    // once), so that the clock cannot run ahead between here and the node's network.
    let releasing: IoTicket[] = [];
    const answered = (k: string) => {
      const l = waiting.get(k);
      if (l && l.length) releasing.push(l.shift()!);
    };
    const fromNode = mqttParser({ protocolVersion: 4 });
    const toNode = mqttParser({ protocolVersion: 4 });
    fromNode.on("packet", (p: Packet) => {
      this.onPacket?.("up", p);
      if (p.cmd === "puback" || p.cmd === "disconnect") {
        // Nothing will answer these: the node's own network guard need not wait for a reply.
        if (node !== null) this.onSilentWrite?.(node);
      } else if (p.cmd === "connect") {
        node = p.clientId;
        this.nodeConns.set(node, (this.nodeConns.get(node) ?? 0) + 1);
        expect("connack");
      } else if (p.cmd === "publish") {
        this.countQos("node", p.topic, p.qos);
        this.onUp(p.topic, p.payload);
        if (p.qos === 1) expect(`puback:${p.messageId}`);
      } else if (p.cmd === "subscribe") expect(`suback:${p.messageId}`);
      else if (p.cmd === "pingreq") expect("pingresp");
    });
    toNode.on("packet", (p: Packet) => {
      this.onPacket?.("down", p);
      if (p.cmd === "publish") {
        this.countQos("gateway", p.topic, p.qos);
        this.onDown(p.topic, p.payload);
      }
      else if (p.cmd === "connack") answered("connack");
      else if (p.cmd === "puback" || p.cmd === "suback") answered(`${p.cmd}:${p.messageId}`);
      else if (p.cmd === "pingresp") answered("pingresp");
    });
    fromNode.on("error", () => undefined);
    toNode.on("error", () => undefined);
    // The tickets must be taken before the bytes leave (synchronously), so parse first.
    client.on("data", (d) => {
      fromNode.parse(d);
      upstream.write(d);
    });
    upstream.on("data", (d) => {
      this.releasing = releasing;
      toNode.parse(d);
      this.releasing = null;
      const done = releasing;
      releasing = [];
      client.write(d, () => setImmediate(() => setImmediate(() => done.forEach((t) => t()))));
    });
    const close = () => {
      for (const l of waiting.values()) for (const t of l) t();
      waiting.clear();
      client.destroy();
      upstream.destroy();
      if (this.conns.delete(client) && node !== null) {
        const n = (this.nodeConns.get(node) ?? 1) - 1;
        this.nodeConns.set(node, n);
        if (n === 0) {
          for (const t of this.ackTickets.get(node) ?? []) t.done();
          this.ackTickets.delete(node);
        }
      }
      this.conns.delete(upstream);
    };
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  }

  private countQos(dir: "node" | "gateway", topic: string, qos: number): void {
    const k = `${dir} ${parseNodeTopic(topic)?.kind ?? "other"} qos${qos}`;
    this.publishQos.set(k, (this.publishQos.get(k) ?? 0) + 1);
  }

  private onUp(topic: string, payload: Buffer | string): void {
    const t = parseNodeTopic(topic);
    if (!t || t.kind !== "up") return;
    let m: { n?: unknown; b?: unknown; s?: unknown; r?: unknown };
    try {
      m = JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (typeof m.b !== "number" || typeof m.s !== "number") return;
    const k = key(t.node, m.b, m.s);
    const have = this.uplinks.get(k);
    if (have) have.sends++;
    else this.uplinks.set(k, { node: t.node, b: m.b, s: m.s, r: Array.isArray(m.r) ? (m.r as unknown[][]) : [], sends: 1 });
    const list = this.upTickets.get(k) ?? [];
    list.push(this.safe(this.io.begin()));
    this.upTickets.set(k, list);
  }

  private onDown(topic: string, payload: Buffer | string): void {
    const t = parseNodeTopic(topic);
    if (!t || t.kind !== "ack") return;
    let a: { b?: unknown; s?: unknown; t?: unknown; err?: unknown };
    try {
      a = JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (typeof a.b !== "number" || typeof a.s !== "number") return;
    const rec: TappedAck = { node: t.node, b: a.b, s: a.s, t: typeof a.t === "number" ? a.t : 0 };
    if (typeof a.err === "string") rec.err = a.err;
    this.acks.push(rec);
    const list = this.ackTickets.get(t.node);
    if (!list) return;
    const i = list.findIndex((x) => x.b === a.b && x.s === a.s);
    if (i < 0) return;
    const done = list.splice(i, 1)[0]!.done;
    if (this.releasing) this.releasing.push(done);
    else done();
  }
}

function key(node: string, b: number, s: number): string {
  return `${node}\u0000${b}\u0000${s}`;
}
