/**
 * Stream parser: TCP delivers bytes in arbitrary chunks; this yields whole MQTT packets
 * (fixed header §2.2, remaining length §2.2.3) however the stream was cut.
 */
import type { Packet } from "./packets";

export class PacketParser {
  private _buf = "";

  constructor(private readonly _onPacket: (p: Packet) => void) {}

  reset(): void {
    this._buf = "";
  }

  /** Throws on a malformed remaining length (more than 4 bytes, §2.2.3); the caller drops the connection. */
  push(chunk: string): void {
    this._buf += chunk;
    for (;;) {
      const b = this._buf;
      if (b.length < 2) return;
      let mult = 1;
      let len = 0;
      let i = 1;
      let complete = false;
      while (i < b.length) {
        const d = b.charCodeAt(i);
        len += (d & 127) * mult;
        i++;
        if ((d & 128) === 0) {
          complete = true;
          break;
        }
        mult *= 128;
        if (i > 4) throw new Error("mqtt: malformed remaining length");
      }
      if (!complete || b.length < i + len) return;
      const h = b.charCodeAt(0);
      const body = b.substr(i, len);
      this._buf = b.substr(i + len);
      this._onPacket({ type: h >> 4, flags: h & 15, body: body });
    }
  }
}
