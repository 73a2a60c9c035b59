export interface ServeArgs {
  scenario: string;
  tcp?: { host: string; port: number };
  pty?: string;
  /** Virtual seconds per wall second; 1 = real time (the default: sensors as on the farm). */
  speed: number;
  seed?: string;
  /** Serve this node's bus (unit addresses are per bus). Default: the first node with devices. */
  node?: string;
  /** Stop after this many wall seconds (tests, CI). Default: run until SIGINT/SIGTERM. */
  forSeconds?: number;
}

export const SERVE_USAGE = `usage: farm-sim serve <scenario> [--tcp HOST:PORT] [--pty PATH] [--node ID]
                      [--speed N | --realtime] [--seed S] [--for SECONDS]

Serves the simulated Modbus sensors of one node's RS485 bus to real masters:
  --tcp HOST:PORT   Modbus TCP (HOST must be a local address, e.g. 127.0.0.1; PORT 0 = any)
  --pty PATH        Modbus RTU on a socat pty: masters open PATH (the simulator holds PATH.sim)
  --node ID         which node's bus to serve (default: the first node with devices)
  --speed N         physics at N virtual seconds per wall second (default 1 = real time)
  --realtime        the same as --speed 1
  --seed S          seed of the physics and the sensors' noise
  --for SECONDS     stop after SECONDS of wall time (default: until Ctrl-C)
At least one of --tcp and --pty is required.`;

/** Parses the arguments after `serve`; throws an Error naming the bad argument. */
export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const out: Partial<ServeArgs> & { speed: number } = { speed: 1 };
  const positional: string[] = [];
  let speedGiven = false;
  let realtime = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case "--tcp": {
        const v = value();
        const m = /^(.+):(\d+)$/.exec(v);
        if (!m) throw new Error(`--tcp must be HOST:PORT, got "${v}"`);
        const port = Number(m[2]);
        if (port > 65535) throw new Error(`--tcp port ${port} is above 65535`);
        out.tcp = { host: m[1], port };
        break;
      }
      case "--pty":
        out.pty = value();
        break;
      case "--node":
        out.node = value();
        break;
      case "--seed":
        out.seed = value();
        break;
      case "--speed": {
        const v = value();
        const n = Number(v);
        if (!(Number.isFinite(n) && n > 0)) throw new Error(`--speed must be a positive number, got "${v}"`);
        out.speed = n;
        speedGiven = true;
        break;
      }
      case "--realtime":
        realtime = true;
        break;
      case "--for": {
        const v = value();
        const n = Number(v);
        if (!(Number.isFinite(n) && n > 0)) throw new Error(`--for must be a positive number of seconds, got "${v}"`);
        out.forSeconds = n;
        break;
      }
      default:
        if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
        positional.push(a);
    }
  }
  if (speedGiven && realtime) throw new Error("give --speed or --realtime, not both");
  if (positional.length !== 1) throw new Error(positional.length === 0 ? "missing <scenario>" : `one scenario only, got ${positional.join(" ")}`);
  if (!out.tcp && !out.pty) throw new Error("give --tcp HOST:PORT and/or --pty PATH");
  return { ...out, scenario: positional[0] } as ServeArgs;
}
