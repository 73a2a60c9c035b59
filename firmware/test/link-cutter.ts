/**
 * A TCP relay between a node and its broker that a test can cut (every connection dropped
 * without FIN, new ones refused) and restore on the same port: the farm's Wi-Fi or uplink
 * going down and coming back.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export class LinkCutter {
  port = 0;
  connections = 0;
  private server: Server | null = null;
  private socks = new Set<Socket>();

  constructor(private readonly targetPort: number, private readonly targetHost = "127.0.0.1") {}

  async start(port = 0): Promise<number> {
    const server = createServer((c) => {
      this.connections++;
      const up = connect(this.targetPort, this.targetHost);
      this.socks.add(c);
      this.socks.add(up);
      c.pipe(up);
      up.pipe(c);
      const close = () => {
        c.destroy();
        up.destroy();
        this.socks.delete(c);
        this.socks.delete(up);
      };
      c.on("error", close);
      up.on("error", close);
      c.on("close", close);
      up.on("close", close);
    });
    await new Promise<void>((r, j) => {
      server.once("error", j);
      server.listen(port, "127.0.0.1", () => r());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  /** Link down: existing connections reset, new ones refused. */
  async cut(): Promise<void> {
    for (const s of this.socks) s.resetAndDestroy();
    this.socks.clear();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Link back, on the same port. */
  async restore(): Promise<void> {
    await this.start(this.port);
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
