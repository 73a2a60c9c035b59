import { nodeTopic, nodeTopicFilter, parseNodeTopic, WIRE_VERSION, type AckMessage, type Clock } from "@manure-edge/protocol";
import type { EventBus } from "../bus";
import type { Logger } from "../log";
import type { Metrics } from "../metrics";
import type { MqttTransport } from "../mqtt/transport";
import { normaliseUplink } from "../mqtt/normalise";
import { MAX_MESSAGE_BYTES, readPredecessor, validateCommandResult, validateStatus, validateUplink } from "../mqtt/validators";
import type { CommitQueue } from "../store/commit-queue";
import type { AckDue, CommittedBatch, RejectInput } from "../store/types";

export interface IngestOptions {
  base: string;
  farm: string;
}

interface Block {
  boot: number;
  seq: number;
  kicked: boolean;
}

/**
 * MQTT ingest: validates every node message, queues it for group commit, and publishes the
 * cumulative ack (QoS 1, protocol/src/wire/types.ts AckMessage) once the transaction holding
 * it has committed, never past a message that did not arrive (the writer's AckChain). Invalid messages are counted by reason, stored in the reject log and, when
 * their (b, s) can be read, acked with `err` so a poison message never blocks a node's queue.
 *
 * A message the queue had to refuse (full while the disk is full) must never be covered by a
 * later cumulative ack: the node is "blocked" at that (b, s) until it sends it again; acks
 * stop just below it, and the node is disconnected once the queue has room so that it
 * reconnects and resends from its oldest unacknowledged message.
 */
export class Ingest {
  private readonly blocks = new Map<string, Block>();
  private readonly offs: (() => void)[] = [];
  private readonly cUp;
  private readonly cReadings;
  private readonly cReject;
  private readonly cDup;
  private readonly cUnlinked;
  private readonly cReusedBoot;
  private readonly cAck;
  private readonly cRefused;
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly opts: IngestOptions,
    private readonly transport: MqttTransport,
    private readonly queue: CommitQueue,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    this.cUp = metrics.counter("gateway_messages_received_total", "Node uplink messages received, valid or not");
    this.cReadings = metrics.counter("gateway_readings_stored_total", "Readings committed to the database");
    this.cReject = metrics.counter("gateway_rejects_total", "Messages rejected, by reason");
    this.cDup = metrics.counter("gateway_duplicates_total", "Uplink messages already stored (resent after a lost ack)");
    this.cReusedBoot = metrics.counter("gateway_boot_reuse_total", "New messages whose (node, boot, seq) an older message already had (the node's boot counter went back); stored under boot + k*2^32");
    this.cUnlinked = metrics.counter("gateway_unlinked_messages_total", "Uplink messages stored but not acked: their predecessor never arrived (a broker dropped it); the node resends");
    this.cAck = metrics.counter("gateway_acks_published_total", "Acks published to nodes");
    this.cRefused = metrics.counter("gateway_messages_refused_total", "Messages refused because the commit queue was full (not acked; the node resends)");
    metrics.collect("gateway_node_last_seen_seconds", "Epoch seconds of the last message from each node", () =>
      [...this.lastSeen].map(([node, t]) => ({ labels: { node }, value: Math.floor(t / 1000) })),
    );
  }

  async start(): Promise<void> {
    this.offs.push(this.bus.on("committed", (b) => this.onCommitted(b)));
    await this.transport.subscribe(nodeTopicFilter(this.opts.base, this.opts.farm, "up"), (t, p) => this.handle(t, p));
    await this.transport.subscribe(nodeTopicFilter(this.opts.base, this.opts.farm, "status"), (t, p) => this.handle(t, p));
    await this.transport.subscribe(nodeTopicFilter(this.opts.base, this.opts.farm, "cmd/res"), (t, p) => this.handle(t, p));
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
  }

  /** One MQTT message from a node topic. Never throws: anything wrong becomes a reject. */
  handle(topic: string, payload: Buffer): void {
    const now = this.clock.now();
    const parsed = parseNodeTopic(topic);
    if (!parsed || parsed.base !== this.opts.base || parsed.farm !== this.opts.farm) {
      this.reject({ node: null, topic, reason: "topic: not a node topic of this farm", payload, now, category: "topic" });
      return;
    }
    const node = parsed.node;
    this.lastSeen.set(node, now);
    if (parsed.kind === "up") this.cUp();
    if (payload.length > MAX_MESSAGE_BYTES) {
      this.reject({ node, topic, reason: `payload: ${payload.length} bytes, more than ${MAX_MESSAGE_BYTES}`, payload, now, category: "too_big" });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch (e) {
      this.reject({ node, topic, reason: "json: " + (e as Error).message, payload, now, category: "json" });
      return;
    }
    if (parsed.kind === "status") {
      const v = validateStatus(json);
      if (!v.ok) {
        this.reject({ node, topic, reason: `status.${v.path}: ${v.reason}`, payload, now, category: "status" });
        return;
      }
      this.enqueue(node, { kind: "status", node, status: v.value, receivedAt: now }, null);
      this.bus.emit("nodeStatus", { node, status: v.value });
      return;
    }
    if (parsed.kind === "cmd/res") {
      const v = validateCommandResult(json);
      if (!v.ok) {
        this.reject({ node, topic, reason: `cmd/res.${v.path}: ${v.reason}`, payload, now, category: "cmd_res" });
        return;
      }
      // Not stored: whoever sent the command (HTTP API) listens for its id on the bus.
      this.log.info("command result", { node, id: v.value.id, ok: v.value.ok, err: v.value.err });
      this.bus.emit("commandResult", { node, result: v.value });
      return;
    }
    if (parsed.kind !== "up") return;
    const v = validateUplink(json, node);
    if (!v.ok) {
      const bs = readBootSeq(json);
      this.reject({ node, topic, reason: `${v.path || "(root)"}: ${v.reason}`, payload, now, category: "schema." + (v.path.split(/[.[]/)[0] || "root"), bs });
      return;
    }
    this.enqueue(node, normaliseUplink(v.value, now), { boot: v.value.b, seq: v.value.s });
  }

  private reject(r: { node: string | null; topic: string; reason: string; payload: Buffer; now: number; category: string; bs?: { boot: number; seq: number; pred?: [number, number] | 0 } | null }): void {
    this.cReject({ reason: r.category });
    const item: RejectInput = {
      kind: "reject", node: r.node, topic: r.topic.slice(0, 256), reason: r.reason.slice(0, 500),
      payload: r.payload.subarray(0, 2048).toString("utf8"), receivedAt: r.now, boot: r.bs?.boot ?? null, seq: r.bs?.seq ?? null,
    };
    if (r.bs?.pred !== undefined) item.pred = r.bs.pred;
    this.log.debug("rejected", { node: r.node, topic: item.topic, reason: item.reason });
    this.bus.emit("rejected", { node: r.node, topic: item.topic, reason: item.reason });
    this.enqueue(r.node, item, r.bs ?? null);
  }

  private enqueue(node: string | null, item: Parameters<CommitQueue["enqueue"]>[0], bs: { boot: number; seq: number } | null): void {
    const block = node ? this.blocks.get(node) : undefined;
    if (this.queue.enqueue(item)) {
      if (block && bs && bs.boot === block.boot && bs.seq === block.seq) this.blocks.delete(node!);
      return;
    }
    this.cRefused();
    if (node && bs && (!block || before(bs, block))) this.blocks.set(node, { boot: bs.boot, seq: bs.seq, kicked: false });
  }

  private onCommitted(b: CommittedBatch): void {
    this.cReadings({}, b.readings.length);
    if (b.duplicates) this.cDup({}, b.duplicates);
    if (b.unlinked) this.cUnlinked({}, b.unlinked);
    if (b.reusedBoot) {
      this.cReusedBoot({}, b.reusedBoot);
      this.log.warn("a node reused (boot, seq) of older messages: its boot counter went back (Storage erased?); stored apart", { messages: b.reusedBoot });
    }
    for (const a of b.acks) this.publishAck(a);
    // The queue has room again: make blocked nodes resend from their oldest unacked message.
    if (this.blocks.size > 0 && this.queue.state.ok) {
      for (const [node, blk] of this.blocks) {
        if (blk.kicked) continue;
        blk.kicked = this.transport.kick(node);
        if (blk.kicked) this.log.info("disconnected node so it resends what was refused", { node, boot: blk.boot, seq: blk.seq });
      }
    }
  }

  private publishAck(a: AckDue): void {
    let { boot, seq } = a;
    let err = a.err;
    const blk = this.blocks.get(a.node);
    if (blk && !before({ boot, seq }, blk)) {
      // Never acknowledge the refused message or anything after it (cumulative ack).
      if (blk.seq <= 1) return;
      boot = blk.boot;
      seq = blk.seq - 1;
      err = undefined;
    }
    const ack: AckMessage = { v: WIRE_VERSION, b: boot, s: seq, t: this.clock.now() };
    if (err) ack.err = err;
    this.transport.publish(nodeTopic(this.opts.base, this.opts.farm, a.node, "ack"), JSON.stringify(ack), { qos: 1 }).then(
      () => this.cAck(),
      (e: Error) => this.log.warn("ack publish failed", { node: a.node, err: e.message }),
    );
  }
}

function before(a: { boot: number; seq: number }, b: { boot: number; seq: number }): boolean {
  return a.boot < b.boot || (a.boot === b.boot && a.seq < b.seq);
}

/**
 * (b, s) of an invalid message when they are readable, so it can be acked with err, and its
 * predecessor p when that is well formed (the ack then follows the chain like any message's).
 */
function readBootSeq(json: unknown): { boot: number; seq: number; pred?: [number, number] | 0 } | null {
  if (typeof json !== "object" || json === null) return null;
  const o = json as Record<string, unknown>;
  if (!(typeof o.b === "number" && Number.isInteger(o.b) && o.b >= 0 && typeof o.s === "number" && Number.isInteger(o.s) && o.s >= 1)) return null;
  const out: { boot: number; seq: number; pred?: [number, number] | 0 } = { boot: o.b, seq: o.s };
  const pred = readPredecessor(o);
  if (pred !== undefined) out.pred = pred;
  return out;
}
