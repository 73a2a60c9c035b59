/**
 * Node.js adapters for the hardware boundary (src/hw/types.ts), so that the firmware's
 * modules run under vitest with real sockets and real timers.
 */
import { connect } from "node:net";
import type { Clock } from "@manure-edge/protocol";
import type { Net, OutputPin, Platform, Socket, Storage, Uart } from "../src/hw/types";

/** Node's timers as a Clock (the one wrapper, shared with the gateway and hil-sim). */
import { systemClock } from "../../hil-sim/src/clock/system";
export { systemClock };

/** node:net with binary strings (latin1: one char per byte), as Espruino's sockets give. */
export const nodeNet: Net = {
  connect(host: string, port: number): Socket {
    const s = connect(port, host);
    s.setNoDelay(true);
    return {
      write: (d) => {
        if (!s.destroyed) s.write(Buffer.from(d, "latin1"));
      },
      end: () => s.destroy(),
      on: ((ev: string, cb: (x?: unknown) => void) => {
        if (ev === "data") s.on("data", (b: Buffer) => cb(b.toString("latin1")));
        else if (ev === "error") s.on("error", (e) => cb(e));
        else s.on(ev, () => cb());
      }) as Socket["on"],
    };
  },
};

/**
 * Espruino Storage semantics in memory: whole-file writes, append files, trash accounting
 * (a rewritten or erased file's bytes become trash until compact()), a size limit, and the
 * "\xFF" rule of append files. Survives a simulated reboot when the same instance is reused.
 */
export class MemStorage implements Storage {
  files = new Map<string, string>();
  trash = 0;
  writes = 0;
  compactions = 0;
  /**
   * @param partialAppends a failed append leaves what fitted of its line in the file, as a
   * StorageFile does when the line's next chunk cannot be created (written chunk by chunk).
   */
  constructor(public readonly size = 896 * 1024, private readonly partialAppends = false) {}

  private used(): number {
    let n = 0;
    for (const [k, v] of this.files) n += v.length + k.length + 16;
    return n + this.trash;
  }
  read(name: string): string | undefined {
    return this.files.get(name);
  }
  /** Espruino's Storage compacts by itself when a write does not fit and there is trash. */
  private fits(n: number): boolean {
    if (this.used() + n <= this.size) return true;
    if (this.trash > 0) this.compact();
    return this.used() + n <= this.size;
  }
  write(name: string, data: string): boolean {
    const old = this.files.get(name);
    if (!this.fits(data.length + 16)) return false;
    if (old !== undefined) this.trash += old.length + name.length + 16;
    this.files.set(name, data);
    this.writes++;
    return true;
  }
  erase(name: string): void {
    const old = this.files.get(name);
    if (old !== undefined) this.trash += old.length + name.length + 16;
    this.files.delete(name);
  }
  list(prefix: string): string[] {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  stats(): { free: number; trash: number } {
    return { free: this.size - this.used(), trash: this.trash };
  }
  compact(): void {
    this.trash = 0;
    this.compactions++;
  }
  appendLine(name: string, line: string): boolean {
    if (line.indexOf("\xFF") >= 0 || line.indexOf("\n") >= 0) throw new Error("append: line contains \\xFF or newline");
    const header = this.files.has(name) ? 0 : name.length + 16;
    if (!this.fits(line.length + 1 + header)) {
      const room = this.size - this.used() - header;
      if (this.partialAppends && room > 0) this.files.set(name, (this.files.get(name) ?? "") + line.substring(0, Math.min(room, line.length)));
      return false;
    }
    this.files.set(name, (this.files.get(name) ?? "") + line + "\n");
    this.writes++;
    return true;
  }
  readLines(name: string): string[] {
    const s = this.files.get(name);
    if (!s) return [];
    // Like StorageFile.readLine(): each line with its "\n"; a line cut by a power loss (or a
    // failed append) has none and is returned as it is.
    const l = s.split("\n").map((x) => x + "\n");
    const last = l.pop()!;
    if (last !== "\n") l.push(last.slice(0, -1));
    return l;
  }
}

export class NodePlatform implements Platform {
  logs: string[] = [];
  kicks = 0;
  watchdog = 0;
  reboots = 0;
  memory() {
    return { free: 10000, total: 12000 };
  }
  enableWatchdog(s: number) {
    this.watchdog = s;
  }
  kickWatchdog() {
    this.kicks++;
  }
  reboot() {
    this.reboots++;
  }
  log(msg: string) {
    this.logs.push(msg);
  }
}

export class RecordingPin implements OutputPin {
  changes: { t: number; high: boolean }[] = [];
  high = false;
  constructor(private readonly clock: Clock) {}
  set(high: boolean) {
    this.high = high;
    this.changes.push({ t: this.clock.now(), high });
  }
}

/** A UART whose other end is a function: what the master writes and what the "wire" answers. */
export class LoopUart implements Uart {
  written: Uint8Array[] = [];
  private listener: ((c: Uint8Array) => void) | null = null;
  constructor(private readonly respond: (req: Uint8Array, uart: LoopUart) => void) {}
  write(bytes: Uint8Array) {
    this.written.push(bytes);
    this.respond(bytes, this);
  }
  onData(l: ((c: Uint8Array) => void) | null) {
    this.listener = l;
  }
  /** Delivers bytes to the master as the UART would (possibly in several chunks). */
  deliver(bytes: Uint8Array) {
    if (this.listener) this.listener(bytes);
  }
}

/** A Hardware for Node: real TCP, real timers, in-memory Storage, UARTs given by the test. */
export function nodeHardware(opts: { storage: MemStorage; uarts: Record<string, Uart>; platform?: NodePlatform }): import("../src/hw/types").Hardware {
  const platform = opts.platform ?? new NodePlatform();
  return {
    clock: systemClock,
    storage: opts.storage,
    net: nodeNet,
    platform,
    uart: (o) => {
      const u = opts.uarts[o.serial];
      if (!u) throw new Error("no UART " + o.serial);
      return u;
    },
    output: () => ({ set: () => undefined }),
    link: () => ({ start: (cb) => cb(true), stop: () => undefined }),
  };
}
