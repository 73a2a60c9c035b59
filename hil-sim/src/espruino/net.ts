import { connect as tcpConnect, type Socket } from "node:net";
import type { Clock } from "@manure-edge/protocol";

/** Espruino's socket error codes (libs/network/socketerrors.h) and messages. */
export const SOCKET_ERR = {
  TIMEOUT: { code: -3, message: "timeout" },
  NO_ROUTE: { code: -4, message: "no route" },
  RESET: { code: -9, message: "connection reset" },
  NO_CONN: { code: -11, message: "no connection" },
} as const;

/** The clock's guard on real I/O (VirtualClock.io): begin() when a message enters a real socket. */
export interface IoTracker {
  begin(): () => void;
}

export interface NetworkStats {
  connects: number;
  failedConnects: number;
  bytesUp: number;
  bytesDown: number;
  resets: number;
  giveUps: number;
}

/**
 * The network between nodes and the real broker, controlled by the test or scenario. While
 * cut, nothing passes either way: TCP keeps what was sent and delivers it when the cut ends
 * (retransmission), unless the cut outlasts tcpGiveUpMs, when the node's socket errors
 * (timeout) and closes. latencyMs delays every delivery (virtual time, one way).
 * resetAll() drops every connection (RST both ways), like a NAT or AP reboot.
 */
export class VirtualNetwork {
  latencyMs = 0;
  /** How long lwIP keeps retransmitting before giving a socket up (virtual ms). */
  tcpGiveUpMs = 120_000;
  /**
   * Wall ms a write keeps the virtual clock held after it left for the real socket, waiting
   * for the peer's answer (released at once when data comes back).
   */
  settleWallMs = 20;
  /** A connect to an address nobody answers fails after this long (virtual ms, lwIP's SYN retries). */
  connectTimeoutMs = 20_000;
  readonly stats: NetworkStats = { connects: 0, failedConnects: 0, bytesUp: 0, bytesDown: 0, resets: 0, giveUps: 0 };
  private isCut = false;
  private readonly routes = new Map<string, { host: string; port: number }>();
  private readonly watchers = new Set<(event: "link" | "reset") => void>();

  get cutNow(): boolean {
    return this.isCut;
  }

  cut(): void {
    if (this.isCut) return;
    this.isCut = true;
    this.notify("link");
  }

  restore(): void {
    if (!this.isCut) return;
    this.isCut = false;
    this.notify("link");
  }

  resetAll(): void {
    this.notify("reset");
  }

  /** The node's configured address (e.g. the gateway's LAN IP) → the real one on this host. */
  route(from: string, to: { host: string; port: number }): void {
    this.routes.set(from, to);
  }

  /**
   * Where a connection to host:port really goes: a route, or this machine's loopback as is.
   * Anything else is not on the simulated LAN: the SYN goes unanswered (connectTimeoutMs).
   */
  resolve(host: string, port: number): { host: string; port: number } | undefined {
    const r = this.routes.get(`${host}:${port}`) ?? this.routes.get(host);
    if (r) return r;
    return host === "127.0.0.1" || host === "localhost" ? { host, port } : undefined;
  }

  /** @internal */
  watch(fn: (event: "link" | "reset") => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private notify(e: "link" | "reset"): void {
    for (const w of [...this.watchers]) w(e);
  }
}

export type NetEmit = (id: number, event: string, data: string) => void;

interface NodeSocket {
  id: number;
  real?: Socket;
  connected: boolean;
  closed: boolean;
  ending: boolean;
  heldOut: Buffer[];
  heldIn: string[];
  giveUp: unknown;
  tickets: (() => void)[];
}

/**
 * The node's TCP sockets (one instance per boot): real node:net sockets to the broker, with
 * every event delivered into the firmware on the virtual clock, and every real round trip
 * covered by the clock's I/O guard so accelerated time never outruns the socket.
 */
export class NodeNet {
  private nextId = 1;
  private readonly sockets = new Map<number, NodeSocket>();
  private readonly unwatch: () => void;
  private dead = false;

  constructor(
    private readonly clock: Clock,
    private readonly io: IoTracker | undefined,
    private readonly network: VirtualNetwork,
    private readonly linkUp: () => boolean,
    private readonly emit: NetEmit,
    private readonly wallTimeout: (fn: () => void, ms: number) => void = (fn, ms) => void setTimeout(fn, ms),
  ) {
    this.unwatch = network.watch((e) => (e === "link" ? this.linkChanged() : this.resetAll()));
  }

  get openSockets(): number {
    return [...this.sockets.values()].filter((s) => !s.closed).length;
  }

  connect(host: string, port: number): number {
    const id = this.nextId++;
    const s: NodeSocket = { id, connected: false, closed: false, ending: false, heldOut: [], heldIn: [], giveUp: undefined, tickets: [] };
    this.sockets.set(id, s);
    if (!this.linkUp()) {
      this.network.stats.failedConnects++;
      this.later(() => this.fail(s, SOCKET_ERR.NO_ROUTE));
      return id;
    }
    const to = this.network.resolve(host, port);
    if (!to) {
      this.network.stats.failedConnects++;
      this.clock.setTimeout(() => !this.dead && this.fail(s, SOCKET_ERR.TIMEOUT), this.network.connectTimeoutMs);
      return id;
    }
    const ticket = this.io?.begin();
    const real = tcpConnect({ host: to.host, port: to.port });
    s.real = real;
    real.setNoDelay(true);
    real.once("connect", () => {
      ticket?.();
      if (this.dead || s.closed) return;
      this.network.stats.connects++;
      this.later(() => {
        if (s.closed) return;
        s.connected = true;
        this.emit(id, "connect", "");
        this.flush(s);
      });
    });
    real.on("data", (d: Buffer) => this.fromPeer(s, d));
    real.once("end", () => {
      if (this.dead || s.closed) return;
      this.later(() => !s.closed && this.emit(id, "end", ""));
    });
    real.once("close", () => {
      ticket?.();
      this.release(s);
      if (this.dead || s.closed) return;
      this.later(() => this.close(s));
    });
    real.on("error", (err: NodeJS.ErrnoException) => {
      ticket?.();
      this.release(s);
      if (this.dead || s.closed) return;
      if (!s.connected) this.network.stats.failedConnects++;
      const e = err.code === "ECONNREFUSED" ? SOCKET_ERR.NO_CONN : err.code === "ECONNRESET" ? SOCKET_ERR.RESET : SOCKET_ERR.NO_CONN;
      this.later(() => this.fail(s, e));
    });
    return id;
  }

  write(id: number, data: string): void {
    const s = this.sockets.get(id);
    if (!s || s.closed) return;
    s.heldOut.push(Buffer.from(data, "latin1"));
    if (s.connected) this.flush(s);
  }

  end(id: number): void {
    const s = this.sockets.get(id);
    if (!s || s.closed) return;
    s.ending = true;
    if (s.connected) this.flush(s);
  }

  destroy(id: number): void {
    const s = this.sockets.get(id);
    if (!s || s.closed) return;
    s.real?.destroy();
    this.close(s);
  }

  /** Power loss / reboot: every socket dies without FIN or DISCONNECT (RST to the peer). */
  kill(): void {
    this.dead = true;
    this.unwatch();
    for (const s of this.sockets.values()) {
      s.closed = true;
      if (s.giveUp !== undefined) this.clock.clearTimeout(s.giveUp);
      s.real?.resetAndDestroy();
      this.release(s);
    }
    this.sockets.clear();
  }

  /** Wifi or network state changed: held data goes out (or keeps waiting). */
  linkChanged(): void {
    for (const s of this.sockets.values()) {
      if (s.closed) continue;
      if (this.linkUp()) {
        if (s.giveUp !== undefined) this.clock.clearTimeout(s.giveUp);
        s.giveUp = undefined;
        this.flush(s);
        const held = s.heldIn.splice(0);
        for (const d of held) this.later(() => !s.closed && this.emit(s.id, "data", d));
      } else if (s.connected) this.armGiveUp(s);
    }
  }

  private resetAll(): void {
    for (const s of this.sockets.values()) {
      if (s.closed) continue;
      this.network.stats.resets++;
      s.real?.resetAndDestroy();
      this.fail(s, SOCKET_ERR.RESET);
    }
  }

  private flush(s: NodeSocket): void {
    if (s.closed || !s.real) return;
    if (!this.linkUp()) {
      if (s.heldOut.length) this.armGiveUp(s);
      return;
    }
    const out = s.heldOut.splice(0);
    for (const b of out) {
      this.network.stats.bytesUp += b.length;
      const ticket = this.io?.begin();
      if (ticket) s.tickets.push(ticket);
      const send = () => {
        if (s.closed || !s.real) return ticket?.();
        s.real.write(b, () => this.wallTimeout(() => ticket?.(), this.network.settleWallMs));
      };
      if (this.network.latencyMs > 0) this.clock.setTimeout(send, this.network.latencyMs);
      else send();
    }
    if (s.ending && !s.heldOut.length) s.real.end();
  }

  private fromPeer(s: NodeSocket, d: Buffer): void {
    this.release(s);
    if (this.dead || s.closed) return;
    this.network.stats.bytesDown += d.length;
    const text = d.toString("latin1");
    if (!this.linkUp()) {
      s.heldIn.push(text);
      this.armGiveUp(s);
      return;
    }
    this.later(() => !s.closed && this.emit(s.id, "data", text));
  }

  private armGiveUp(s: NodeSocket): void {
    if (s.giveUp !== undefined) return;
    s.giveUp = this.clock.setTimeout(() => {
      s.giveUp = undefined;
      if (s.closed || this.linkUp()) return;
      this.network.stats.giveUps++;
      s.real?.resetAndDestroy();
      this.fail(s, SOCKET_ERR.TIMEOUT);
    }, this.network.tcpGiveUpMs);
  }

  private fail(s: NodeSocket, e: { code: number; message: string }): void {
    if (s.closed) return;
    this.emit(s.id, "error", JSON.stringify(e));
    this.close(s);
  }

  private close(s: NodeSocket): void {
    if (s.closed) return;
    s.closed = true;
    if (s.giveUp !== undefined) this.clock.clearTimeout(s.giveUp);
    this.release(s);
    this.sockets.delete(s.id);
    this.emit(s.id, "close", "");
  }

  private release(s: NodeSocket): void {
    const t = s.tickets.splice(0);
    for (const x of t) x();
  }

  /** Deliver into the firmware after the network's latency, on the virtual clock. */
  private later(fn: () => void): void {
    this.clock.setTimeout(() => {
      if (!this.dead) fn();
    }, this.network.latencyMs);
  }
}
