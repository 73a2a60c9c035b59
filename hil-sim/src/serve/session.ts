import type { Clock } from "@manure-edge/protocol";
import type { SlaveDevice } from "../slaves/register-space";
import { unitsOf } from "../slaves/respond";
import { ModbusTcpServer } from "./modbus-tcp";
import { RtuPtyServer } from "./rtu-pty";
import { startPtyPair, type PtyPair } from "./socat";

export interface ServeOptions {
  /** Modbus TCP listen address. */
  tcp?: { host: string; port: number };
  /** Path of the pty a master opens; the simulator serves `<path>.sim`. */
  pty?: string;
  /** Baud the pty end is opened with (a pty ignores it; mbpoll wants one). Default 9600. */
  baud?: number;
  /** Wall clock for the pty's turnaround and stale-frame timers. */
  wall: Clock;
}

export interface ServeEndpoints {
  tcp?: { host: string; port: number };
  pty?: string;
}

/**
 * Serves a set of simulated slaves to real masters at once over Modbus TCP and/or a socat
 * pty: one feature with start()/stop(), used by `farm-sim serve` and by tests.
 */
export class ServeSession {
  private tcp: ModbusTcpServer | undefined;
  private rtu: RtuPtyServer | undefined;
  private pair: PtyPair | undefined;

  constructor(
    readonly devices: readonly SlaveDevice[],
    private readonly opts: ServeOptions,
  ) {
    const seen = new Set<number>();
    for (const d of devices) {
      if (seen.has(d.unit)) throw new Error(`serve: two devices share unit address ${d.unit}`);
      seen.add(d.unit);
    }
    if (!opts.tcp && !opts.pty) throw new Error("serve: give --tcp HOST:PORT and/or --pty PATH");
  }

  async start(): Promise<ServeEndpoints> {
    const out: ServeEndpoints = {};
    const resolve = unitsOf(this.devices);
    try {
      if (this.opts.tcp) {
        this.tcp = new ModbusTcpServer(resolve, { host: this.opts.tcp.host, port: this.opts.tcp.port });
        const a = await this.tcp.start();
        out.tcp = { host: a.address, port: a.port };
      }
      if (this.opts.pty) {
        this.pair = await startPtyPair(this.opts.pty);
        this.rtu = new RtuPtyServer(resolve, { path: this.pair.simPath, baud: this.opts.baud ?? 9600, clock: this.opts.wall });
        await this.rtu.start();
        out.pty = this.pair.path;
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
    return out;
  }

  get stats() {
    return { tcp: this.tcp?.stats, pty: this.rtu?.stats };
  }

  async stop(): Promise<void> {
    await this.rtu?.stop();
    await this.pair?.stop();
    await this.tcp?.stop();
    this.rtu = this.pair = this.tcp = undefined;
  }
}
