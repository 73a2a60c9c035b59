import type { Clock } from "@manure-edge/protocol";

/**
 * The farm's access point, shared by every node of a simulation and driven by the scenario
 * or the test: down() is an outage (power cut to the AP, interference), up() ends it.
 */
export class WifiAccessPoint {
  private isUp = true;
  private readonly watchers = new Set<(up: boolean) => void>();

  constructor(
    readonly ssid: string,
    readonly password: string,
  ) {}

  get up(): boolean {
    return this.isUp;
  }

  down(): void {
    this.set(false);
  }

  restore(): void {
    this.set(true);
  }

  watch(fn: (up: boolean) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private set(v: boolean): void {
    if (v === this.isUp) return;
    this.isUp = v;
    for (const w of [...this.watchers]) w(v);
  }
}

export interface WifiTiming {
  /** Association + DHCP when the AP is there. Default 2000 ms. */
  connectMs: number;
  /** A failed attempt (scan finds no AP / auth fails). Default 2500 ms. */
  attemptMs: number;
  /** Beacon loss detected this long after the AP disappears. Default 6000 ms. */
  beaconTimeoutMs: number;
}

export const DEFAULT_WIFI_TIMING: WifiTiming = { connectMs: 2000, attemptMs: 2500, beaconTimeoutMs: 6000 };

export type WifiEmit = (event: string, details: Record<string, unknown>) => void;

/**
 * The ESP32 station driver as libs/network/esp32/jswrap_esp32_network.c drives it:
 * connect() arms s_retry_num = 3; every STA_DISCONNECTED decrements it and retries while it
 * stays above 0, silently; when it reaches 0 the 'disconnected' event fires (and a pending
 * connect callback gets the reason) and the driver stays down until the application calls
 * connect() again. The counter is only re-armed by connect(), so after one silent recovery
 * the next drop gets fewer retries. Events: 'associated' (STA_CONNECTED), 'connected'
 * (STA_GOT_IP, with ip/netmask/gw), 'disconnected' (ssid, mac, reason, msg).
 */
export class WifiStation {
  connected = false;
  private retries = 0;
  private ssid = "";
  private password = "";
  private timer: unknown;
  private lastReason = { code: 0, msg: "NOT_STARTED" };
  private started = false;
  private readonly unwatch: () => void;
  /** Counters for the record. */
  readonly stats = { attempts: 0, drops: 0, disconnectedEvents: 0, connects: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly ap: WifiAccessPoint | undefined,
    private readonly emit: WifiEmit,
    private readonly timing: WifiTiming,
    private readonly ip: string,
  ) {
    this.unwatch = ap ? ap.watch((up) => this.apChanged(up)) : () => {};
  }

  connect(ssid: string, password: string): void {
    this.ssid = ssid;
    this.password = password;
    this.retries = 3;
    this.started = true;
    this.cancel();
    if (this.connected) {
      this.connected = false; // esp_wifi_disconnect then reconnect
    }
    this.attempt();
  }

  disconnect(): void {
    this.retries = 0;
    this.cancel();
    const was = this.connected;
    this.connected = false;
    this.started = false;
    this.lastReason = { code: 8, msg: "ASSOC_LEAVE" };
    if (was) this.fireDisconnected();
    this.emit("disconnect-cb", {});
  }

  status(): Record<string, unknown> {
    const s: Record<string, unknown> = { station: this.connected ? "connected" : this.lastReason.msg, mode: this.started ? "STA" : "NULL", powersave: "none" };
    if (this.connected) Object.assign(s, { ssid: this.ssid, bssid: "02:00:00:00:00:01", channel: 6, rssi: -60, htMode: "HT20", authMode: "wpa2" });
    return s;
  }

  ipInfo(): Record<string, unknown> {
    return this.connected
      ? { ip: this.ip, netmask: "255.255.255.0", gw: this.ip.replace(/\.\d+$/, ".1"), mac: "24:0a:c4:00:00:01" }
      : { ip: "0.0.0.0", netmask: "0.0.0.0", gw: "0.0.0.0", mac: "24:0a:c4:00:00:01" };
  }

  /** Power loss / reboot: the driver state is RAM. */
  stop(): void {
    this.cancel();
    this.unwatch();
    this.connected = false;
  }

  private attempt(): void {
    this.stats.attempts++;
    const ok = !!this.ap && this.ap.up && this.ap.ssid === this.ssid && this.ap.password === this.password;
    const reason = !this.ap || !this.ap.up || this.ap.ssid !== this.ssid ? { code: 201, msg: "NO_AP_FOUND" } : { code: 15, msg: "4WAY_HANDSHAKE_TIMEOUT" };
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        if (ok && this.ap!.up) {
          this.connected = true;
          this.stats.connects++;
          this.emit("associated", { ssid: this.ssid, mac: "02:00:00:00:00:01", channel: "6" });
          this.emit("connected", this.ipInfo());
          this.emit("gotip-cb", {});
        } else this.staDisconnected(reason);
      },
      ok ? this.timing.connectMs : this.timing.attemptMs,
    );
  }

  private staDisconnected(reason: { code: number; msg: string }): void {
    this.connected = false;
    this.lastReason = reason;
    if (--this.retries > 0) {
      this.attempt();
      return;
    }
    this.fireDisconnected();
    this.emit("fail-cb", { msg: reason.msg });
  }

  private fireDisconnected(): void {
    this.stats.disconnectedEvents++;
    this.emit("disconnected", { ssid: this.ssid, mac: "02:00:00:00:00:01", reason: String(this.lastReason.code), msg: this.lastReason.msg });
  }

  private apChanged(up: boolean): void {
    if (up || !this.connected) return;
    // the station notices the AP is gone when beacons stop arriving
    this.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.connected || this.ap?.up) return; // beacons came back in time
      this.stats.drops++;
      this.staDisconnected({ code: 200, msg: "BEACON_TIMEOUT" });
    }, this.timing.beaconTimeoutMs);
  }

  private cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
