import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { encodeException, EXCEPTION, putCrc } from "@manure-edge/protocol";
import type { SlaveDevice } from "../slaves/register-space";
import { respond } from "../slaves/respond";

export interface ModbusTcpOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /**
   * What a unit that does not answer (unknown address, device without power) gives a TCP
   * master: true (default) → exception 0x0B GATEWAY TARGET DEVICE FAILED TO RESPOND, as an
   * RTU-to-TCP gateway does (Application Protocol V1.1b3 §7); false → nothing (the master
   * times out).
   */
  gatewayExceptions?: boolean;
}

export interface ModbusTcpStats {
  connections: number;
  requests: number;
  replies: number;
  exceptions: number;
  /** Connections closed because of a malformed MBAP header. */
  badHeaders: number;
}

/** Largest ADU: 7-byte MBAP header + 253-byte PDU (Modbus Messaging on TCP/IP V1.0b §3.1.3). */
const MAX_LENGTH_FIELD = 254;

/**
 * Modbus TCP server for simulated slaves. The MBAP header (Modbus Messaging on TCP/IP
 * Implementation Guide V1.0b §3.1.3: transaction id, protocol id 0, length, unit id) wraps
 * the same PDU as RTU; each request is turned into an RTU frame and answered by the one
 * request path all transports share (slaves/respond.ts), so TCP, the pty and the bus answer
 * alike.
 */
export class ModbusTcpServer {
  readonly stats: ModbusTcpStats = { connections: 0, requests: 0, replies: 0, exceptions: 0, badHeaders: 0 };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly devices: (unit: number) => SlaveDevice[],
    private readonly opts: ModbusTcpOptions = {},
  ) {}

  async start(): Promise<AddressInfo> {
    if (this.server) throw new Error("modbus tcp: already started");
    const server = createServer((s) => this.onConnection(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onConnection(sock: Socket): void {
    this.stats.connections++;
    this.sockets.add(sock);
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    sock.on("data", (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      while (buf.length >= 7) {
        const protocolId = buf.readUInt16BE(2);
        const len = buf.readUInt16BE(4);
        if (protocolId !== 0 || len < 2 || len > MAX_LENGTH_FIELD) {
          this.stats.badHeaders++;
          sock.destroy();
          return;
        }
        if (buf.length < 6 + len) break;
        const adu = buf.subarray(0, 6 + len);
        buf = buf.subarray(6 + len);
        this.onRequest(sock, adu);
      }
    });
    sock.on("error", () => sock.destroy());
    sock.on("close", () => this.sockets.delete(sock));
  }

  private onRequest(sock: Socket, adu: Buffer): void {
    this.stats.requests++;
    // unit + PDU + room for the CRC that RTU carries and TCP does not.
    const frame = new Uint8Array(adu.length - 6 + 2);
    frame.set(adu.subarray(6), 0);
    putCrc(frame);
    const a = respond(this.devices, frame);
    let reply = a.reply;
    if (!reply && (a.outcome === "notForMe" || a.outcome === "unpowered") && (this.opts.gatewayExceptions ?? true)) {
      reply = encodeException(adu[6], adu[7], EXCEPTION.GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND);
    }
    if (!reply) return;
    if ((reply[1] & 0x80) !== 0) this.stats.exceptions++;
    else this.stats.replies++;
    const pduLen = reply.length - 2; // unit + PDU, without the CRC
    const out = Buffer.alloc(6 + pduLen);
    out.writeUInt16BE(adu.readUInt16BE(0), 0); // transaction id echoed
    out.writeUInt16BE(0, 2);
    out.writeUInt16BE(pduLen, 4);
    out.set(reply.subarray(0, pduLen), 6);
    if (!sock.destroyed) sock.write(out);
  }
}
