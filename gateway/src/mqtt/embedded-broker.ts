import { createServer, type Server } from "node:net";
import { scrypt, timingSafeEqual } from "node:crypto";
import { Aedes, type Client, type AuthenticateError } from "aedes";
import { parseNodeTopic } from "@manure-edge/protocol";
import type { Logger } from "../log";
import type { MessageHandler, MqttTransport } from "./transport";

export interface BrokerUser {
  user: string;
  passwordHash: string;
  /** "node": may publish only its own up/status/cmd/res and subscribe to its own ack/cmd. */
  role: "node" | "observer";
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  base: string;
  farm: string;
  users: BrokerUser[];
}

interface Identity {
  user: string;
  role: "node" | "observer";
}

const NODE_PUBLISH = new Set(["up", "status", "cmd/res"]);
const NODE_SUBSCRIBE = new Set(["ack", "cmd"]);

/**
 * The embedded MQTT broker for the farm's nodes: aedes on a plain TCP listener, per-node
 * credentials (scrypt hashes from the config) and topic ACLs, so a node can neither forge
 * another node's readings nor read another node's acks.
 */
export class EmbeddedBroker implements MqttTransport {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private readonly identities = new WeakMap<Client, Identity>();
  private readonly wills = new WeakMap<Client, string | null>();
  private readonly nodeClients = new Map<string, Client>();
  private readonly users: Map<string, BrokerUser>;
  boundPort = 0;
  authFailures = 0;
  aclDenials = 0;

  constructor(
    private readonly opts: EmbeddedBrokerOptions,
    private readonly log: Logger,
  ) {
    this.users = new Map(opts.users.map((u) => [u.user, u]));
  }

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({
      preConnect: (client, packet, done) => {
        this.wills.set(client, packet.will ? packet.will.topic : null);
        done(null, true);
      },
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => {
        if (!client) return done(null); // the gateway's own publications
        if (this.mayPublish(client, packet.topic)) return done(null);
        this.aclDenials++;
        // MQTT 3.1.1 §3.3.5: the server may close the connection of a client it does not
        // authorise to publish; aedes does so when this callback gets an error.
        done(new Error(`not authorised to publish to ${packet.topic}`));
      },
      authorizeSubscribe: (client, sub, done) => {
        if (this.maySubscribe(client, sub.topic)) return done(null, sub);
        this.aclDenials++;
        // MQTT 3.1.1 §3.9.3: return code 0x80 (failure) for this filter; aedes sends it for a null subscription.
        done(null, null);
      },
    });
    aedes.on("clientReady", (c) => {
      const id = this.identities.get(c);
      if (id?.role === "node") {
        const prev = this.nodeClients.get(id.user);
        this.nodeClients.set(id.user, c);
        if (prev && prev !== c && !prev.closed) prev.close();
      }
    });
    aedes.on("clientDisconnect", (c) => {
      const id = this.identities.get(c);
      if (id && this.nodeClients.get(id.user) === c) this.nodeClients.delete(id.user);
    });
    aedes.on("clientError", (c, err) => this.log.debug("mqtt client error", { client: c.id, err: err.message }));
    this.aedes = aedes;
    // Nagle off (TCP_NODELAY): MQTT's packets are small and each answers another (PUBACK, the
    // ack PUBLISH); with Nagle on, a second small write waits for the peer's delayed ACK (up to
    // 40 ms on Linux), which in the simulator held the clock for 75 % of a farm day's wall time.
    const server = createServer({ noDelay: true }, aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = server.address();
    this.boundPort = typeof addr === "object" && addr ? addr.port : this.opts.port;
    this.server = server;
    this.log.info("embedded broker listening", { host: this.opts.host, port: this.boundPort });
  }

  async stop(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    this.server = null;
    this.aedes = null;
    if (aedes) await new Promise<void>((r) => aedes.close(() => r()));
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  subscribe(filter: string, handler: MessageHandler): Promise<void> {
    const aedes = this.need();
    return new Promise((resolve) =>
      aedes.subscribe(
        filter,
        (packet, cb) => {
          try {
            handler(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
          } finally {
            cb();
          }
        },
        () => resolve(),
      ),
    );
  }

  publish(topic: string, payload: string | Buffer, opts: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    const aedes = this.need();
    return new Promise((resolve, reject) =>
      aedes.publish(
        { cmd: "publish", topic, payload: typeof payload === "string" ? Buffer.from(payload) : payload, qos: opts.qos, retain: opts.retain ?? false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  kick(node: string): boolean {
    const c = this.nodeClients.get(node);
    if (!c) return false;
    c.close();
    return true;
  }

  connectedNodes(): string[] {
    return [...this.nodeClients.keys()].sort();
  }

  private need(): Aedes {
    if (!this.aedes) throw new Error("broker is not started");
    return this.aedes;
  }

  private authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (e: AuthenticateError | null, ok: boolean | null) => void): void {
    const deny = (why: string) => {
      this.authFailures++;
      this.log.warn("mqtt login refused", { client: client.id, user: username ?? null, why });
      // MQTT 3.1.1 §3.2.2.3: CONNACK return code 4, bad user name or password.
      const e = new Error("bad user name or password") as AuthenticateError;
      e.returnCode = 4;
      done(e, null);
    };
    const u = username ? this.users.get(username) : undefined;
    if (!u || !password) return deny("unknown user or no password");
    const will = this.wills.get(client);
    if (u.role === "node" && will) {
      const p = parseNodeTopic(will);
      if (!p || p.node !== u.user || p.kind !== "status") return deny("will topic is not the node's own status topic");
    }
    const parts = u.passwordHash.split("$");
    const n = Number(parts[1]);
    const r = Number(parts[2]);
    const pp = Number(parts[3]);
    const expected = Buffer.from(parts[5] ?? "", "base64");
    // Asynchronous scrypt: a burst of reconnecting nodes must not freeze the event loop.
    scrypt(password, Buffer.from(parts[4] ?? "", "base64"), expected.length || 32, { N: n, r, p: pp, maxmem: 256 * n * r }, (err, got) => {
      if (err || got.length !== expected.length || !timingSafeEqual(got, expected)) return deny("wrong password");
      this.identities.set(client, { user: u.user, role: u.role });
      done(null, true);
    });
  }

  private mayPublish(client: Client, topic: string): boolean {
    const id = this.identities.get(client);
    if (!id || id.role !== "node") return false;
    const p = parseNodeTopic(topic);
    return !!p && p.base === this.opts.base && p.farm === this.opts.farm && p.node === id.user && NODE_PUBLISH.has(p.kind);
  }

  private maySubscribe(client: Client, filter: string): boolean {
    const id = this.identities.get(client);
    if (!id) return false;
    if (id.role === "observer") return filter === `${this.opts.base}/${this.opts.farm}/#` || filter.startsWith(`${this.opts.base}/${this.opts.farm}/`);
    const p = parseNodeTopic(filter);
    return !!p && p.base === this.opts.base && p.farm === this.opts.farm && p.node === id.user && NODE_SUBSCRIBE.has(p.kind);
  }
}
