/**
 * Streaming RTU response framer for the master (the node).
 *
 * Espruino hands serial data to JavaScript in chunks from a polling task, so the 3.5
 * character silence that delimits RTU frames (Serial Line V1.02 §2.5.1.1) cannot be
 * measured there. Instead a response is framed by what the outstanding request makes it:
 * the expected length (expectedResponseLength) or 5 bytes for an exception (fc | 0x80, §7),
 * and accepted only with a correct CRC.
 *
 * Garbage is thrown away and counted: bytes that arrive while no request is outstanding,
 * bytes before the expected slave address, candidate frames whose function code does not
 * match, bytes after the frame, and the first byte of a candidate whose CRC fails (then the
 * scan resumes one byte further, so a noise byte in front of a good frame costs nothing).
 */
import { checkCrc } from "./crc";
import { EXCEPTION_FRAME_LENGTH, expectedResponseLength, MAX_RTU_FRAME } from "./rtu";

export class FrameAssembler {
  /** Bytes discarded since creation (stray, garbage, or part of a bad frame). */
  droppedBytes = 0;
  /** Candidate frames whose CRC failed. */
  crcErrors = 0;
  /** Frames returned. */
  frames = 0;

  private buf = new Uint8Array(MAX_RTU_FRAME);
  private len = 0;
  private unit = -1;
  private fc = -1;
  private normalLength = 0;
  /** Length of the candidate frame at buf[0] once its header is known, else 0: the scan is
   * skipped until that many bytes are in (one comparison per byte on a slow interpreter). */
  private need = 0;

  /**
   * Sets the request whose response is awaited. Anything still buffered is stray and dropped.
   * A broadcast (unit 0) gets no response: nothing is awaited.
   */
  expect(request: Uint8Array): void {
    this.discard();
    const n = expectedResponseLength(request);
    if (n <= 0) return;
    this.unit = request[0];
    this.fc = request[1];
    this.normalLength = n;
  }

  /** Gives up on the outstanding request (time-out): buffered bytes are dropped. */
  cancel(): void {
    this.discard();
  }

  /** True while a response is awaited. */
  waiting(): boolean {
    return this.unit >= 0;
  }

  /** Bytes buffered towards the awaited response. */
  pending(): number {
    return this.len;
  }

  /**
   * Feeds received bytes; returns the awaited response once it is complete with a good CRC
   * (normal or exception), else null. After a frame is returned nothing is awaited until the
   * next expect(): the rest of the chunk and later bytes are dropped.
   */
  push(chunk: Uint8Array | ArrayLike<number>): Uint8Array | null {
    let out: Uint8Array | null = null;
    for (let i = 0; i < chunk.length; i++) {
      if (this.unit < 0) {
        this.droppedBytes++;
        continue;
      }
      this.buf[this.len++] = chunk[i] & 0xff;
      if (this.need !== 0 && this.len < this.need) continue;
      const f = this.scan();
      if (f !== null) out = f;
    }
    return out;
  }

  private discard(): void {
    this.droppedBytes += this.len;
    this.len = 0;
    this.unit = -1;
    this.fc = -1;
    this.normalLength = 0;
    this.need = 0;
  }

  private shift(): void {
    const b = this.buf;
    for (let i = 1; i < this.len; i++) b[i - 1] = b[i];
    this.len--;
    this.droppedBytes++;
    this.need = 0;
  }

  /** Resynchronises on the buffer; returns a complete frame when there is one. */
  private scan(): Uint8Array | null {
    while (this.len > 0) {
      if (this.buf[0] !== this.unit) {
        this.shift();
        continue;
      }
      if (this.len < 2) return null;
      const f = this.buf[1];
      let need = 0;
      if (f === this.fc) need = this.normalLength;
      else if (f === (this.fc | 0x80)) need = EXCEPTION_FRAME_LENGTH;
      else {
        this.shift();
        continue;
      }
      if (this.len < need) {
        this.need = need;
        return null;
      }
      if (!checkCrc(this.buf, need)) {
        this.crcErrors++;
        this.shift();
        continue;
      }
      const frame = new Uint8Array(need);
      for (let i = 0; i < need; i++) frame[i] = this.buf[i];
      this.len -= need;
      this.frames++;
      this.discard();
      return frame;
    }
    return null;
  }
}
