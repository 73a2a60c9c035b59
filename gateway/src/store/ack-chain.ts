import { compareBootSeq } from "@manure-edge/protocol";

/** (boot, seq) of an uplink message. */
export type BootSeq = [number, number];

interface NodeChain {
  /** Acked frontier: every message the node holds up to here is stored (null: nothing known). */
  f: BootSeq | null;
  /** Stored messages that do not link yet, by their predecessor ("b:s"). */
  waiting: Map<string, BootSeq>;
}

/**
 * Which cumulative ack a node may be given (protocol/src/wire/types.ts AckMessage and
 * UplinkMessage.p). A broker can drop a QoS 1 message on its way to the gateway and deliver the
 * next one (mosquitto drops once a subscriber's queue is full, ../shared/anchors.md); acking
 * that next one cumulatively would make the node delete the dropped message. So a message is
 * acked only when its predecessor chain proves that nothing the node holds before it is
 * missing:
 *  - p = 0: the node's oldest message; nothing before it is held;
 *  - p at or below the frontier: everything up to p is stored, and nothing lies between p and
 *    the message in the node's queue;
 *  - otherwise it waits (stored, not acked) until its predecessor links, or the node resends
 *    from its oldest message (after its ack timeout) and the chain is rebuilt from p = 0.
 * Messages without p (nodes older than the field) are acked as received, as before.
 *
 * Changes are staged per transaction (begin, then commit or rollback with the SQLite
 * transaction), and the frontier is persisted by the writer, so that a restart or a failed
 * commit never lets an ack run ahead of what is stored.
 */
export class AckChain {
  private readonly nodes = new Map<string, NodeChain>();
  private readonly staged = new Map<string, NodeChain>();

  constructor(
    /** The frontier persisted for a node (null if none). */
    private readonly load: (node: string) => BootSeq | null,
    /** Unlinked messages remembered per node (a misbehaving node cannot grow it further). */
    private readonly maxWaiting = 1024,
  ) {}

  begin(): void {
    this.staged.clear();
  }

  /**
   * A stored (or already stored) message (b, s) with predecessor p. Returns the cumulative ack
   * now due to its node (the message itself, or the last message of the chain it completed),
   * or null when the message does not link yet.
   *
   * The ack is never more than what this message reached, even when the frontier is higher:
   * a node whose boot counter went back (reflashed, Storage erased) holds messages below the
   * frontier that were never sent, and an ack of the frontier would delete them. For the same
   * reason a node's oldest message (p = 0) restarts the chain at itself.
   */
  offer(node: string, b: number, s: number, p: BootSeq | 0 | undefined): BootSeq | null {
    const c = this.chain(node);
    const own: BootSeq = [b, s];
    if (p === undefined) {
      if (c.f === null || compareBootSeq(b, s, c.f[0], c.f[1]) > 0) c.f = own;
      return own;
    }
    const links = p === 0 || (c.f !== null && compareBootSeq(p[0], p[1], c.f[0], c.f[1]) <= 0);
    if (!links) {
      c.waiting.set(p[0] + ":" + p[1], own);
      if (c.waiting.size > this.maxWaiting) c.waiting.delete(c.waiting.keys().next().value as string);
      return null;
    }
    if (p === 0 || c.f === null || compareBootSeq(b, s, c.f[0], c.f[1]) > 0) c.f = own;
    return this.drain(c, own);
  }

  /** Nodes whose frontier changed in this transaction, with the frontier to persist. */
  changed(): [string, BootSeq][] {
    const out: [string, BootSeq][] = [];
    for (const [node, c] of this.staged) {
      const before = this.nodes.get(node)?.f ?? null;
      if (c.f !== null && (before === null || before[0] !== c.f[0] || before[1] !== c.f[1])) out.push([node, c.f]);
    }
    return out;
  }

  commit(): void {
    for (const [node, c] of this.staged) this.nodes.set(node, c);
    this.staged.clear();
  }

  rollback(): void {
    this.staged.clear();
  }

  /** The committed frontier of a node (for tests and the API). */
  frontier(node: string): BootSeq | null {
    return this.nodes.get(node)?.f ?? null;
  }

  private chain(node: string): NodeChain {
    let c = this.staged.get(node);
    if (c) return c;
    const base = this.nodes.get(node);
    c = base ? { f: base.f, waiting: new Map(base.waiting) } : { f: this.load(node), waiting: new Map() };
    this.staged.set(node, c);
    return c;
  }

  /**
   * Waiting messages whose predecessor is now at or below the frontier link too. Returns the
   * highest of `reach` and the messages that moved the frontier.
   */
  private drain(c: NodeChain, reach: BootSeq): BootSeq {
    let more = c.waiting.size > 0;
    while (more) {
      more = false;
      for (const [pk, m] of c.waiting) {
        const i = pk.indexOf(":");
        const f = c.f!;
        if (compareBootSeq(Number(pk.slice(0, i)), Number(pk.slice(i + 1)), f[0], f[1]) > 0) continue;
        c.waiting.delete(pk);
        if (compareBootSeq(m[0], m[1], f[0], f[1]) > 0) {
          c.f = m;
          reach = m;
          more = true;
        }
      }
    }
    return reach;
  }
}
