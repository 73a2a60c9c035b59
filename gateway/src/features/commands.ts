import { randomBytes } from "node:crypto";
import {
  DEFAULT_BASE, WIRE_VERSION, nodeTopic, validateCommand, validateNodeConfig,
  type Clock, type CommandMessage, type CommandOp, type CommandResult, type NodeConfig,
} from "@manure-edge/protocol";
import type { EventBus } from "../bus";
import type { Logger } from "../log";
import type { Metrics } from "../metrics";
import type { MqttTransport } from "../mqtt/transport";
import type { CommitQueue } from "../store/commit-queue";
import { CommandQueries, type CommandRow } from "../store/commands";
import type Database from "better-sqlite3";
import { knownRegisterMaps } from "./commands-maps";
import { verifySecretAsync } from "../http/password";

export const COMMAND_OPS: readonly CommandOp[] = ["ping", "resend", "reboot", "config"];
export const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;
/**
 * How long send() waits for the broker to take the message before answering with the command
 * still `queued` (an external broker that is unreachable: MQTT.js keeps the QoS 1 message and
 * publishes it on reconnect, and the row becomes `sent` then).
 */
export const PUBLISH_WAIT_MS = 5000;
/** More open (queued or sent) commands than this for one node is refused: a stuck node must not pile them up. */
export const MAX_OPEN_PER_NODE = 20;

export interface CommandsOptions {
  base: string;
  farm: string;
  /** A command with no result after this long becomes `expired` (default 10 min, gateway clock). */
  timeoutMs?: number;
  /** Nodes with credentials on the embedded broker; nodes seen in the store (external broker) are known too. */
  nodes: string[];
  /** The gateway's own id: its direct poller stores readings under it, but it is no node to command. */
  gateway?: string;
  /** Register map ids a pushed configuration may use (default: every valid map in protocol/maps). */
  knownMaps?: string[];
  /**
   * The embedded broker's node credentials (node id -> scrypt hash). A configuration pushed to
   * such a node must log in as itself with its password, or the node would lock itself out.
   */
  credentials?: Map<string, string>;
}

/** What the API answers in place of a secret; never sent to a node. */
export const REDACTED = "(redacted)";

/** Why a command was refused before anything was stored or sent. */
export class CommandRefused extends Error {
  constructor(
    readonly kind: "unknown_node" | "invalid" | "too_many",
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = "CommandRefused";
  }
}

/** The open database (the Store once started); rejects go through the commit queue. */
export interface CommandsStore {
  readonly db: Database.Database;
}

/**
 * Commands to nodes (issue #5, firmware issue #4 §9): `send()` validates, stores a row in
 * `commands` and publishes a CommandMessage with QoS 1 on `<base>/<farm>/node/<node>/cmd`
 * through the ingest's MQTT transport; the node's CommandResult on `…/cmd/res` (validated by
 * the ingest, announced on the bus as `commandResult`) updates the row by its id. A command
 * without a result after `timeoutMs` becomes `expired`.
 *
 * Delivery: the gateway publishes with QoS 1 (MQTT 3.1.1 §4.3.2). Nodes connect with a
 * persistent session (clean session 0, §3.1.2.4), so a command published while its node is
 * offline waits in the broker's session state and is delivered when the node reconnects — for
 * as long as the broker keeps that session: the embedded aedes keeps it in memory (lost when
 * the gateway restarts), mosquitto until `persistent_client_expiration`. A node that never
 * connected since the broker started has no session and never gets the command; it expires.
 * Each command carries its deadline (`exp` = creation + timeout, gateway time): a node with a
 * synchronised clock that gets it later answers err "expired" without running it, and the
 * command stays `expired`. A result that arrives after expiry otherwise is still recorded
 * (the node did run the command: its clock was not synchronised, or it ran it just in time).
 */
export class Commands {
  private q: CommandQueries | null = null;
  private maps: string[] = [];
  private readonly timers = new Map<string, unknown>();
  private readonly offs: (() => void)[] = [];
  private readonly timeoutMs: number;
  private readonly cSent;
  private readonly cRefused;
  private readonly cResults;
  private readonly cExpired;
  private readonly cPublishFailed;
  private readonly cReject;

  constructor(
    private readonly opts: CommandsOptions,
    private readonly transport: MqttTransport,
    private readonly store: CommandsStore,
    private readonly queue: Pick<CommitQueue, "enqueue">,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    metrics: Metrics,
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.cSent = metrics.counter("gateway_commands_sent_total", "Commands published to nodes, by op");
    this.cRefused = metrics.counter("gateway_commands_refused_total", "Commands refused before sending (invalid, unknown node, too many open), by reason");
    this.cResults = metrics.counter("gateway_command_results_total", "Command results from nodes, by op and outcome (ok, failed, late_ok, late_failed, not_run: reached the node after its deadline, duplicate)");
    this.cExpired = metrics.counter("gateway_commands_expired_total", "Commands with no result within the timeout, by op");
    this.cPublishFailed = metrics.counter("gateway_commands_publish_failures_total", "Commands the broker would not take (state failed)");
    // The ingest's reject counter: a result nobody asked for is a rejected message like any other.
    this.cReject = metrics.counter("gateway_rejects_total", "Messages rejected, by reason");
    metrics.collect("gateway_commands_open", "Commands queued or sent and waiting for a result, by node", () =>
      this.q ? this.q.openByNode().map((r) => ({ labels: { node: r.node }, value: r.n })) : [],
    );
  }

  async start(): Promise<void> {
    this.q = new CommandQueries(this.store.db);
    this.maps = this.opts.knownMaps ?? knownRegisterMaps();
    this.offs.push(this.bus.on("commandResult", (r) => this.onResult(r.node, r.result)));
    // Commands left open by a previous run: expire the overdue, re-arm the others.
    const now = this.clock.now();
    for (const c of this.q.open()) this.arm(c.id, c.op, Math.max(0, c.createdAt + this.timeoutMs - now));
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    for (const h of this.timers.values()) this.clock.clearTimeout(h);
    this.timers.clear();
    this.q = null;
  }

  /** Register map ids a pushed configuration may name. */
  get knownMaps(): readonly string[] {
    return this.maps;
  }

  /**
   * Validates, stores and publishes a command. Throws CommandRefused (nothing stored, nothing
   * sent) for an unknown node or a bad op/configuration, with the field path and reason.
   * Resolves with the stored row once the broker took the message (state `sent`), would not
   * (state `failed`), or after PUBLISH_WAIT_MS (still `queued`; it becomes `sent` when the
   * broker takes it). Throws SQLite errors (disk full) having sent nothing.
   */
  async send(node: string, op: unknown, cfg: unknown, user: string): Promise<CommandRow> {
    const q = this.need();
    if (!this.isKnownNode(node)) this.refuse("unknown_node", "node", `no node "${node}" is configured or has been seen`);
    if (typeof op !== "string" || !(COMMAND_OPS as readonly string[]).includes(op)) this.refuse("invalid", "op", `must be one of ${COMMAND_OPS.join(", ")}, got ${JSON.stringify(op)}`);
    const cop = op as CommandOp;
    if (cop === "config") {
      if (cfg === undefined) this.refuse("invalid", "cfg", 'op "config" needs the node configuration in cfg');
      await this.checkConfig(node, cfg);
    } else if (cfg !== undefined) {
      this.refuse("invalid", "cfg", 'only op "config" carries a configuration');
    }
    if (q.openForNode(node) >= MAX_OPEN_PER_NODE) this.refuse("too_many", "node", `${node} already has ${MAX_OPEN_PER_NODE} commands waiting for a result`);

    const id = "cmd-" + randomBytes(9).toString("base64url");
    const now = this.clock.now();
    // The deadline (gateway time): a node that gets the command later, from its persistent
    // session after an outage, does not run it (protocol CommandMessage.exp).
    const msg: CommandMessage = { v: WIRE_VERSION, id, op: cop, exp: now + this.timeoutMs };
    if (cop === "config") msg.cfg = cfg;
    // The message as the node will validate it (protocol's validator, the node's own check).
    const wire = validateCommand(msg, this.maps);
    if (!wire.ok) this.refuse("invalid", wire.path, wire.reason);

    q.insert({ id, node, op: cop, cfg: cop === "config" ? redactConfig(cfg as NodeConfig) : undefined, createdAt: now, createdBy: user });
    this.arm(id, cop, this.timeoutMs);
    this.log.info("command", { id, node, op: cop, by: user });
    const published = this.publish(id, node, cop, msg);
    let waited: unknown = null;
    await Promise.race([published, new Promise<void>((resolve) => (waited = this.clock.setTimeout(resolve, PUBLISH_WAIT_MS)))]);
    this.clock.clearTimeout(waited);
    return (this.q ?? q).get(id)!;
  }

  /** QoS 1 publish (MQTT 3.1.1 §4.3.2): resolves when the broker has taken it. Never rejects. */
  private async publish(id: string, node: string, op: CommandOp, msg: CommandMessage): Promise<void> {
    try {
      await this.transport.publish(nodeTopic(this.opts.base, this.opts.farm, node, "cmd"), JSON.stringify(msg), { qos: 1 });
    } catch (e) {
      this.cPublishFailed();
      this.log.warn("command not published", { id, node, err: (e as Error).message });
      try {
        if (this.q?.markFailed(id, this.clock.now(), "publish failed: " + (e as Error).message)) this.disarm(id);
      } catch (e2) {
        this.log.error("command failure not stored", { id, err: (e2 as Error).message });
      }
      return;
    }
    this.cSent({ op });
    try {
      this.q?.markSent(id, this.clock.now());
    } catch (e) {
      // Disk full: the row stays queued; the node's result still sets it ok/failed.
      this.log.warn("command sent, state not stored", { id, err: (e as Error).message });
    }
  }

  get(id: string): CommandRow | null {
    return this.need().get(id);
  }

  /** A node's commands, newest first. */
  list(node: string, limit: number): CommandRow[] {
    return this.need().list(node, limit);
  }

  isKnownNode(node: string): boolean {
    if (node === this.opts.gateway) return false;
    return this.opts.nodes.includes(node) || this.need().nodeSeen(node);
  }

  private async checkConfig(node: string, cfg: unknown): Promise<void> {
    const v = validateNodeConfig(cfg, this.maps);
    if (!v.ok) this.refuse("invalid", v.path ? "cfg." + v.path : "cfg", v.reason);
    const c = v.value;
    // The node refuses a new identity over cmd (its queued messages carry its id), and a node
    // moved to another farm or base would publish where this gateway does not listen.
    if (c.node !== node) this.refuse("invalid", "cfg.node", `must be the target node "${node}" (a node's id changes only by flashing), got "${c.node}"`);
    if (c.farm !== this.opts.farm) this.refuse("invalid", "cfg.farm", `must be this gateway's farm "${this.opts.farm}", got "${c.farm}"`);
    const base = c.base ?? DEFAULT_BASE;
    if (base !== this.opts.base) this.refuse("invalid", "cfg.base", `must be this gateway's topic base "${this.opts.base}", got "${base}"`);
    // A stored command's cfg, posted back as it was shown, would set the passwords to the placeholder.
    if (c.mqtt.pass === REDACTED) this.refuse("invalid", "cfg.mqtt.pass", `is the placeholder ${REDACTED}: send the node's real password`);
    if (c.net && c.net.pass === REDACTED) this.refuse("invalid", "cfg.net.pass", `is the placeholder ${REDACTED}: send the real Wi-Fi passphrase`);
    const hash = this.opts.credentials?.get(node);
    if (hash !== undefined) {
      // The embedded broker logs a node in only as itself (user = node id) with its password
      // (MQTT 3.1.1 §3.1.3.4-5); anything else and the node, applying the configuration, is
      // refused at its next CONNECT and unreachable for further commands.
      if (c.mqtt.user !== node) this.refuse("invalid", "cfg.mqtt.user", `must be "${node}": this gateway's broker logs the node in only under its own id`);
      if (c.mqtt.pass === undefined || !(await verifySecretAsync(c.mqtt.pass, hash))) this.refuse("invalid", "cfg.mqtt.pass", "is not the node's password on this gateway's broker: the node could not log in again");
    }
  }

  private refuse(kind: CommandRefused["kind"], path: string, reason: string): never {
    this.cRefused({ reason: kind });
    throw new CommandRefused(kind, path, reason);
  }

  private onResult(node: string, r: CommandResult): void {
    const q = this.q;
    if (!q) return;
    const now = this.clock.now();
    let out;
    try {
      out = q.applyResult(r.id, node, r.ok, r.err ?? null, r.t, now);
    } catch (e) {
      // Disk full: the result is lost for the table (the node will not resend it); said in the log.
      this.log.error("command result not stored", { id: r.id, node, err: (e as Error).message });
      return;
    }
    if (out.kind === "unknown" || out.kind === "wrong_node") {
      const reason = out.kind === "unknown" ? "cmd/res.id: no command with this id was sent" : "cmd/res.id: the command was sent to another node";
      this.reject(node, r, reason, out.kind === "unknown" ? "cmd_res_unknown_id" : "cmd_res_wrong_node", now);
      return;
    }
    if (out.kind === "duplicate") {
      this.cResults({ op: out.row.op, outcome: "duplicate" });
      return;
    }
    this.disarm(r.id);
    const outcome = out.notRun ? "not_run" : (out.late ? "late_" : "") + (r.ok ? "ok" : "failed");
    this.cResults({ op: out.row.op, outcome });
    this.log.info("command result stored", { id: r.id, node, op: out.row.op, ok: r.ok, err: r.err, late: out.late });
  }

  private reject(node: string, r: CommandResult, reason: string, category: string, now: number): void {
    this.cReject({ reason: category });
    const topic = nodeTopic(this.opts.base, this.opts.farm, node, "cmd/res");
    this.log.warn("command result rejected", { node, id: r.id, reason });
    this.bus.emit("rejected", { node, topic, reason });
    // Into the reject log like the ingest's rejects (visible in GET /api/v1/rejects).
    this.queue.enqueue({ kind: "reject", node, topic, reason, payload: JSON.stringify(r).slice(0, 2048), receivedAt: now, boot: null, seq: null });
  }

  private arm(id: string, op: CommandOp, ms: number): void {
    this.disarm(id);
    this.timers.set(id, this.clock.setTimeout(() => this.expire(id, op), ms));
  }

  private disarm(id: string): void {
    const h = this.timers.get(id);
    if (h === undefined) return;
    this.clock.clearTimeout(h);
    this.timers.delete(id);
  }

  private expire(id: string, op: CommandOp): void {
    this.timers.delete(id);
    const q = this.q;
    if (!q) return;
    try {
      if (q.expire(id, this.clock.now(), `no result within ${Math.round(this.timeoutMs / 1000)} s`)) {
        this.cExpired({ op });
        this.log.info("command expired", { id, op });
      }
    } catch (e) {
      // Disk full: try again in a minute rather than leave it open for ever.
      this.log.warn("command expiry not stored", { id, err: (e as Error).message });
      this.arm(id, op, 60_000);
    }
  }

  private need(): CommandQueries {
    if (!this.q) throw new Error("commands feature is not started");
    return this.q;
  }
}

/**
 * The configuration as stored and shown by the API: the node's MQTT and Wi-Fi passwords are
 * sent to the node but never kept in the gateway's database or answered by the API.
 */
export function redactConfig(c: NodeConfig): NodeConfig {
  const out = JSON.parse(JSON.stringify(c)) as NodeConfig;
  if (out.mqtt && out.mqtt.pass !== undefined) out.mqtt.pass = REDACTED;
  if (out.net && out.net.pass !== undefined) out.net.pass = REDACTED;
  return out;
}
