/**
 * The sensor node: wires the Modbus poller, GPS, batching, the uplink queue, the MQTT client,
 * commands, status and the watchdog to a Hardware (src/hw/types.ts). Nothing here touches
 * Espruino's globals, so the same code runs under vitest and in hil-sim's runtime.
 *
 * Lives across configuration changes: boot number, clock, queue, sequence numbers. Rebuilt on
 * a new configuration (cmd op "config", applied without a reboot): bus, GPS, MQTT, network.
 */
import {
  Q, nodeTopic, DEFAULT_BASE, WIRE_VERSION,
  type Clock, type NetConfig, type NodeConfig, type Reading, type ReadingExtra, type RegisterMap, type StatusMessage,
} from "@manure-edge/protocol";
import type { Hardware, Link, Uart } from "../hw/types";
import { nextBoot } from "./boot";
import { CONFIG_FILE } from "./config";
import { checkConfig } from "./check-config";
import { NodeClock } from "./node-clock";
import { DEFAULT_MASTER, ModbusMaster } from "../modbus/master";
import { Poller } from "../modbus/poller";
import type { GpsReceiver } from "../gps/gps";
import { DEFAULT_FLASH, FlashStore } from "../buffer/flash-store";
import { DEFAULT_SPILL, SpillStore } from "../buffer/spill-store";
import { Batcher, DEFAULT_BATCH, type BatchOptions } from "../buffer/batcher";
import { DEFAULT_UPLINK, Uplink } from "../buffer/uplink";
import { MqttClient } from "../mqtt/client";



export interface NodeOptions {
  fw: string;
  maps: { [id: string]: RegisterMap };
  /**
   * Makes the GPS receiver (src/gps/nmea.ts nmeaReceiver); absent in a bundle built without GPS
   * support, which then leaves the receiver and the NMEA parser out.
   */
  gps?: (uart: Uart, clock: Clock) => GpsReceiver;
  /**
   * Makes the W5500 Ethernet link (src/hw/espruino.ts w5500Link); absent in a bundle built
   * with an embedded configuration that does not use one, which then leaves that code out
   * (and refuses a W5500 configuration: check-config.ts NO_W5500).
   */
  w5500?: (net: NetConfig) => Link;
  /** Watchdog timeout, s (0: none). */
  watchdog: number;
  /** Status message period, ms. */
  statusEvery: number;
  /** Batching (default DEFAULT_BATCH). */
  batch?: BatchOptions;
}

export const DEFAULT_NODE: NodeOptions = { fw: "dev", maps: {}, watchdog: 30, statusEvery: 300000 };

/**
 * Link up but no MQTT connection for this long: the link is told it is stale (W5500: a new
 * DHCP round). Longer than the client's longest backoff (60 s) plus a connect timeout, so
 * that a broker that is merely down does not make the node renew its address every minute.
 */
export const STALE_LINK_MS = 180000;

export class SensorNode {
  readonly boot: number;
  readonly clock: NodeClock;
  readonly store: SpillStore;
  readonly flash: FlashStore;
  readonly batcher: Batcher;
  readonly uplink: Uplink;
  readonly counters: { [k: string]: number } = { badAck: 0, badCmd: 0, cfgApplied: 0, lateAck: 0 };
  mqtt: MqttClient | null = null;
  poller: Poller | null = null;
  master: ModbusMaster | null = null;
  gps: GpsReceiver | null = null;
  private _link: Link | null = null;
  /** Since when the link has been up without an MQTT connection (0: connected, or link down). */
  private _unconnectedSince = 0;
  private _linkUp = false;
  private _housekeeping: unknown = null;
  private _lastStatus = 0;
  private _running = false;

  constructor(private readonly _hw: Hardware, private _cfg: NodeConfig, private readonly _o: NodeOptions) {
    this.boot = nextBoot(_hw.storage);
    this.clock = new NodeClock(_hw.clock);
    this.flash = new FlashStore(_hw.storage, DEFAULT_FLASH);
    this.store = new SpillStore(this.flash, _hw.clock, DEFAULT_SPILL);
    this.batcher = new Batcher(_cfg.node, this.boot, _hw.clock, this.clock, this.store, _o.batch || DEFAULT_BATCH, () => this.uplink.pump());
    this.uplink = new Uplink(this.store, (payload, done) => this._publish("up", payload, 1, false, done), _hw.clock, DEFAULT_UPLINK, this.boot, () => this.clock.uptime());
  }

  config(): NodeConfig {
    return this._cfg;
  }

  start(): void {
    if (this._running) return;
    this._running = true;
    if (this._o.watchdog > 0) this._hw.platform.enableWatchdog(this._o.watchdog);
    this._startServices();
    this._housekeeping = this._hw.clock.setInterval(() => this._tick(), 1000);
  }

  stop(): void {
    this._running = false;
    if (this._housekeeping !== null) this._hw.clock.clearInterval(this._housekeeping);
    this._housekeeping = null;
    this._stopServices();
    this.store.spill();
  }

  /** A reading from a sensor: timestamp, clock flag and position are added here. */
  reading(key: string, value: number | null, flags: number, reason?: string): void {
    let f = flags;
    if (!this.clock.synced) f |= Q.CLOCK_UNSYNC;
    const x: ReadingExtra = {};
    let extra = false;
    if (reason !== undefined || value === null) {
      x.e = reason || "no value";
      extra = true;
    }
    const p = this.gps ? this.gps.position() : null;
    if (p) {
      x.p = p;
      extra = true;
    }
    const r: Reading = extra ? [key, this.clock.now(), value, f, x] : [key, this.clock.now(), value, f];
    this.batcher.add(r);
  }

  private _topic(kind: "up" | "ack" | "status" | "cmd" | "cmd/res"): string {
    return nodeTopic(this._cfg.base || DEFAULT_BASE, this._cfg.farm, this._cfg.node, kind);
  }

  private _publish(kind: "up" | "status" | "cmd/res", payload: string, qos: 0 | 1, retain: boolean, done?: (ok: boolean) => void): boolean {
    return this.mqtt ? this.mqtt.publish(this._topic(kind), payload, qos, retain, done) : false;
  }

  private _startServices(): void {
    const c = this._cfg;
    if (c.bus && c.devices.length > 0) {
      const b = c.bus;
      const uart = this._hw.uart(b);
      const de = this._hw.output(b.de || "");
      const bits = 1 + 8 + (b.parity && b.parity !== "none" ? 1 : 0) + (b.stop || 1);
      this.master = new ModbusMaster(uart, de, this._hw.clock, {
        baud: b.baud, bitsPerChar: bits, timeout: b.timeout || DEFAULT_MASTER.timeout,
        retries: b.retries === undefined ? DEFAULT_MASTER.retries : b.retries, backoff: DEFAULT_MASTER.backoff,
        offlineAfter: DEFAULT_MASTER.offlineAfter, probeEvery: DEFAULT_MASTER.probeEvery, deMargin: DEFAULT_MASTER.deMargin,
      });
      this.poller = new Poller(this.master, this._hw.clock, c.devices, this._o.maps,
        (k, v, f, r) => this.reading(k, v, f, r), () => this.batcher.flush());
      this.master.start();
      this.poller.start();
    }
    if (c.gps && this._o.gps) {
      this.gps = this._o.gps(this._hw.uart(c.gps), this._hw.clock);
      this.gps.start();
    }
    const m = c.mqtt;
    this.mqtt = new MqttClient(this._hw.net, this._hw.clock, {
      host: m.host, port: m.port, clientId: c.node, user: m.user, pass: m.pass, keepalive: m.keepalive || 60,
      clean: false, subscribe: [this._topic("ack"), this._topic("cmd")],
      will: { topic: this._topic("status"), payload: JSON.stringify({ v: WIRE_VERSION, state: "offline" }), qos: 1, retain: true },
    }, {
      onConnect: () => {
        this._unconnectedSince = 0;
        this._setOnline(true);
        this._sendStatus();
      },
      onDisconnect: () => {
        if (this._linkUp) this._unconnectedSince = this._hw.clock.now();
        this._setOnline(false);
      },
      onMessage: (t, p) => this._onMessage(t, p),
    }, Math.random);
    const mqtt = this.mqtt;
    // A bundle without the W5500 link never gets here with a W5500 configuration: its
    // checkConfig refuses one (check-config.ts NO_W5500), from Storage as over cmd.
    const net: NetConfig = c.net || { type: "none" };
    this._link = net.type === "w5500" && this._o.w5500 ? this._o.w5500(net) : this._hw.link(net);
    this._link.start((up, ip) => {
      this._linkUp = up;
      this._unconnectedSince = up ? this._hw.clock.now() : 0;
      if (ip) this._hw.platform.log("net up " + ip);
      if (up) mqtt.start();
      else mqtt.pause();
    });
  }


  private _stopServices(): void {
    if (this.poller) this.poller.stop();
    if (this.master) this.master.stop();
    if (this.gps) this.gps.stop();
    if (this.mqtt) this.mqtt.stop();
    if (this._link) this._link.stop();
    this.poller = null;
    this.master = null;
    this.gps = null;
    this.mqtt = null;
    this._link = null;
    this._linkUp = false;
    this._unconnectedSince = 0;
    this._setOnline(false);
  }

  private _setOnline(up: boolean): void {
    this.batcher.setOnline(up);
    this.store.setOnline(up);
    this.uplink.setOnline(up);
  }

  private _tick(): void {
    const now = this._hw.clock.now();
    this.batcher.tick();
    this.store.tick();
    this.uplink.tick();
    if (this._o.watchdog > 0 && this.healthy(now)) this._hw.platform.kickWatchdog();
    if (this._unconnectedSince && now - this._unconnectedSince > STALE_LINK_MS && this._link && this._link.stale) {
      this._unconnectedSince = now;
      this._link.stale();
    }
    // Only when it can go out (it is sent on every connect anyway): building it costs a
    // garbage collection (process.memory()), which offline would run every second.
    if (now - this._lastStatus >= this._o.statusEvery && this.mqtt && this.mqtt.connected) this._sendStatus();
  }

  /**
   * The watchdog is kicked only while the main loop is healthy: this timer runs (the event
   * loop is alive) and the poller completed a device poll recently.
   */
  healthy(now: number): boolean {
    if (!this.poller) return true;
    const limit = 2 * this.poller.longestInterval() + 60000;
    return now - this.poller.lastProgress < limit;
  }

  /**
   * The status message (protocol/src/wire/types.ts StatusMessage), retained on <...>/status:
   * Modbus error totals over the devices, then the node's own counters, per device ok/err/off.
   */
  status(): StatusMessage {
    const devs = this.poller ? this.poller.links() : [];
    const c = this.counters;
    const err = {
      mbTimeout: 0, mbCrc: 0, mbExc: 0, mbBad: 0,
      mqttReconnects: this.mqtt ? this.mqtt.reconnects : 0, flashCorrupt: this.flash.corrupt,
      badAck: c.badAck, badCmd: c.badCmd, lateAck: c.lateAck, gpsBad: this.gps ? this.gps.bad : 0,
      netErr: this._link && this._link.errors ? this._link.errors() : 0,
    };
    const dev: StatusMessage["dev"] = {};
    for (let i = 0; i < devs.length; i++) {
      const d = devs[i];
      err.mbTimeout += d.timeout;
      err.mbCrc += d.crc;
      err.mbExc += d.exception;
      err.mbBad += d.bad;
      dev[d.id] = { ok: d.ok, err: d.errors(), off: d.offline ? 1 : 0 };
    }
    return {
      v: WIRE_VERSION, state: "online", fw: this._o.fw, b: this.boot, up: this.clock.uptime(), t: this.clock.now(),
      cs: this.clock.synced ? 1 : 0, mem: this._hw.platform.memory(),
      buf: { ram: this.store.ramSize(), flash: this.store.flashSize(), dropped: this.store.dropped() },
      err: err, dev: dev,
    };
  }

  private _sendStatus(): void {
    if (this._publish("status", JSON.stringify(this.status()), 1, true)) this._lastStatus = this._hw.clock.now();
  }

  private _onMessage(topic: string, payload: string): void {
    let m: { [k: string]: unknown };
    try {
      m = JSON.parse(payload);
    } catch {
      m = {};
    }
    if (topic === this._topic("ack")) {
      if (typeof m.b !== "number" || typeof m.s !== "number" || typeof m.t !== "number") {
        this.counters.badAck++;
        return;
      }
      // The ack is a time sample bounded by the message's first send (node-clock.ts); only
      // for this boot's messages (an older boot's may have been first sent before a reboot).
      const rtt = m.b === this.boot ? this.uplink.firstSentAgo(m.b, m.s) : -1;
      if (rtt < 0 || !this.clock.offer(m.t, rtt)) this.counters.lateAck++;
      this.uplink.ack(m.b, m.s);
    } else if (topic === this._topic("cmd")) {
      this._command(m);
    }
  }

  private _command(m: { [k: string]: unknown }): void {
    const id = typeof m.id === "string" ? m.id : "";
    const reply = (ok: boolean, err?: string) => {
      const r: { [k: string]: unknown } = { v: WIRE_VERSION, id: id, ok: ok, t: this.clock.now() };
      if (err) r.err = err;
      this._publish("cmd/res", JSON.stringify(r), 1, false);
    };
    if (!id) {
      this.counters.badCmd++;
      return;
    }
    // A command past its deadline reached us late (kept by the broker through an outage):
    // the gateway has given up on it, so it is not run (protocol README, Command `exp`).
    if (typeof m.exp === "number" && this.clock.synced && this.clock.now() > m.exp) {
      reply(false, "expired");
      return;
    }
    if (m.op === "ping") reply(true);
    else if (m.op === "resend") {
      this.uplink.rewind();
      this.uplink.pump();
      reply(true);
    } else if (m.op === "reboot") {
      reply(true);
      this.store.spill();
      this._hw.clock.setTimeout(() => this._hw.platform.reboot(), 500);
    } else if (m.op === "config") {
      const v = checkConfig(m.cfg, Object.keys(this._o.maps));
      if (!v.ok) {
        reply(false, (v.path ? v.path + ": " : "") + v.reason);
        return;
      }
      if (v.value.gps && !this._o.gps) {
        // Built with an embedded configuration without gps: the NMEA parser was left out.
        reply(false, "gps: this firmware has no GPS support (built without it)");
        return;
      }
      if (v.value.node !== this._cfg.node) {
        // Queued messages carry this node id and (boot, seq): a new identity needs a new flash.
        reply(false, "node: cannot change from " + this._cfg.node + " over cmd");
        return;
      }
      reply(true);
      this._hw.storage.write(CONFIG_FILE, JSON.stringify(v.value));
      this.counters.cfgApplied++;
      // Let the result leave before the MQTT connection is rebuilt with the new settings.
      this._hw.clock.setTimeout(() => this.applyConfig(v.value), 200);
    } else {
      this.counters.badCmd++;
      reply(false, "unknown op " + JSON.stringify(m.op));
    }
  }

  /** Applies a new configuration without a reboot (queue, boot and sequence numbers are kept). */
  applyConfig(c: NodeConfig): void {
    this._stopServices();
    this._cfg = c;
    if (this._running) this._startServices();
  }
}
