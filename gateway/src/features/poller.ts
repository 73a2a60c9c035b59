import ModbusRTU from "modbus-serial";
import { decodePoint, planReads, Q, type Clock, type ReadBlock } from "@manure-edge/protocol";
import type { PollBusConfig } from "../config/schema";
import type { Logger } from "../log";
import type { Metrics } from "../metrics";
import type { CommitQueue } from "../store/commit-queue";
import type { ReadingInput } from "../store/types";
import { loadRegisterMap } from "./register-maps";

export interface PollerIdentity {
  /** Pseudo-node id the readings are stored under (the gateway id). */
  node: string;
  /** Gateway boot counter (from the database): (node, boot, seq) stays unique across restarts. */
  boot: number;
  /** Sequence numbers of the pseudo-node, shared by every bus of this gateway process. */
  nextSeq: () => number;
}

interface Device {
  id: string;
  unit: number;
  everyMs: number;
  blocks: ReadBlock[];
  nextAt: number;
  failures: number;
}

/**
 * Direct polling of sensors wired to the gateway (USB-RS485 adapter or Modbus TCP) with
 * modbus-serial, using protocol's register maps and planReads, into the same commit queue as
 * node messages: each poll of a device becomes one uplink message of the pseudo-node
 * (gateway id, gateway boot, seq), so dedup, rollups, rules and the feed treat it like a node.
 *
 * One transaction at a time per bus (Modbus Serial Line V1.02 §2.1: one master, one request
 * outstanding). A device that fails every request is polled less often (backoff up to 8× its
 * interval, like ESPHome's offline marking), so a dead slave does not eat the bus's time;
 * its readings are stored with Q.MODBUS_ERROR and the reason, never silently skipped.
 */
export class Poller {
  private client: ModbusRTU | null = null;
  private devices: Device[] = [];
  private timer: unknown = null;
  private busy = false;
  private running = false;
  private readonly cPolls;
  private readonly cErrors;
  private readonly cDropped;
  private readonly cTransport;
  polls = 0;
  errors = 0;

  constructor(
    private readonly cfg: PollBusConfig,
    private readonly ident: PollerIdentity,
    private readonly queue: CommitQueue,
    private readonly clock: Clock,
    private readonly log: Logger,
    metrics: Metrics,
  ) {
    this.cPolls = metrics.counter("gateway_poll_transactions_total", "Direct-polling Modbus transactions, by device");
    this.cErrors = metrics.counter("gateway_poll_errors_total", "Direct-polling Modbus transactions that failed, by device");
    this.cDropped = metrics.counter("gateway_poll_readings_dropped_total", "Direct-polled readings dropped because the commit queue was full (disk full)");
    this.cTransport = metrics.counter("gateway_poll_transport_errors_total", "Errors of a direct-polling transport itself (an adapter unplugged mid-write, a socket reset), by transport");
  }

  async start(): Promise<void> {
    this.devices = this.cfg.devices.map((d) => {
      const map = loadRegisterMap(d.map);
      return { id: d.id, unit: d.unit, everyMs: d.every * 1000, blocks: planReads(map.points, { maxGap: map.maxGap, maxRegisters: map.maxRegisters }), nextAt: this.clock.now(), failures: 0 };
    });
    this.client = new ModbusRTU();
    // modbus-serial re-emits its port's errors on the client (EIO when a USB-RS485 adapter is
    // pulled while a request is being written). An EventEmitter "error" without a listener
    // throws and would take the whole gateway down; the transaction in flight fails on its
    // own (its readings are flagged MODBUS_ERROR) and the next poll reconnects.
    this.client.on("error", (e: unknown) => {
      this.cTransport({ transport: this.transportName() });
      this.log.warn("Modbus transport error; the next poll reconnects", { err: e instanceof Error ? e.message : String(e) });
    });
    // A device or adapter that is not there yet (a USB-RS485 adapter unplugged, a Modbus TCP
    // device still booting) must not keep the gateway from starting: its readings come in
    // flagged MODBUS_ERROR with the reason, and every poll tries to connect again.
    await this.connect().catch((e: Error) => this.log.warn("Modbus transport not reachable at start; polling will retry", { err: e.message }));
    this.running = true;
    this.timer = this.clock.setInterval(() => void this.tick(), 250);
    void this.tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    if (c?.isOpen) await new Promise<void>((r) => c.close(() => r()));
  }

  private transportName(): string {
    const t = this.cfg.transport;
    return t.type === "tcp" ? `${t.host}:${t.port}` : t.path;
  }

  private async connect(): Promise<void> {
    const c = this.client!;
    const t = this.cfg.transport;
    if (t.type === "tcp") await c.connectTCP(t.host, { port: t.port });
    else await c.connectRTUBuffered(t.path, { baudRate: t.baud, parity: t.parity, stopBits: t.stopBits, dataBits: 8 });
    c.setTimeout(this.cfg.timeoutMs);
  }

  /** Polls every device that is due, one after the other. Returns when the bus is idle. */
  async tick(): Promise<void> {
    if (this.busy || !this.running) return;
    this.busy = true;
    try {
      for (const d of this.devices) {
        if (!this.running) break;
        if (this.clock.now() < d.nextAt) continue;
        await this.pollDevice(d);
      }
    } finally {
      this.busy = false;
    }
  }

  private async pollDevice(d: Device): Promise<void> {
    const readings: ReadingInput[] = [];
    let failed = 0;
    for (const b of d.blocks) {
      const t = this.clock.now();
      let values: number[] | null = null;
      let reason = "";
      for (let attempt = 0; attempt <= this.cfg.retries && values === null; attempt++) {
        try {
          values = await this.read(d.unit, b);
        } catch (e) {
          reason = (e as Error).message || String(e);
          if (!this.client?.isOpen && this.running) await this.connect().catch(() => undefined);
        }
      }
      this.polls++;
      this.cPolls({ device: d.id });
      for (const p of b.points) {
        const key = `${d.id}.${p.name}`;
        if (values === null) {
          readings.push({ key, t, value: null, flags: Q.MODBUS_ERROR, reason: reason.slice(0, 200), lat: null, lon: null, fix: null });
          continue;
        }
        const v = decodePoint(p, values, b.address);
        readings.push({ key, t, value: v.value, flags: v.flags, reason: v.reason ?? null, lat: null, lon: null, fix: null });
      }
      if (values === null) {
        failed++;
        this.errors++;
        this.cErrors({ device: d.id });
      }
    }
    d.failures = failed === d.blocks.length ? d.failures + 1 : 0;
    d.nextAt = this.clock.now() + d.everyMs * Math.min(8, 2 ** Math.max(0, d.failures - 2));
    if (d.failures === 3) this.log.warn("device not answering, polling it less often", { device: d.id, unit: d.unit });
    if (readings.length === 0) return;
    const seq = this.ident.nextSeq();
    const now = this.clock.now();
    if (!this.queue.enqueue({ kind: "up", node: this.ident.node, boot: this.ident.boot, seq, sentT: now, receivedAt: now, readings })) {
      // The gateway is the node here, and it has nowhere else to keep them: counted, not silent.
      this.cDropped({ device: d.id }, readings.length);
      this.log.warn("commit queue full: direct-polled readings dropped", { device: d.id, readings: readings.length });
    }
  }

  private async read(unit: number, b: ReadBlock): Promise<number[]> {
    const c = this.client;
    if (!c) throw new Error("poller stopped");
    c.setID(unit);
    switch (b.fc) {
      case 1:
        return (await c.readCoils(b.address, b.count)).data.slice(0, b.count).map((x) => (x ? 1 : 0));
      case 2:
        return (await c.readDiscreteInputs(b.address, b.count)).data.slice(0, b.count).map((x) => (x ? 1 : 0));
      case 3:
        return (await c.readHoldingRegisters(b.address, b.count)).data;
      default:
        return (await c.readInputRegisters(b.address, b.count)).data;
    }
  }
}
