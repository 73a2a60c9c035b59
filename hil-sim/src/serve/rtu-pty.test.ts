import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SerialPort } from "serialport";
import { decodeResponse, encodeReadRequest, checkCrc, FrameAssembler, putCrc } from "@manure-edge/protocol";
import { systemClock } from "../clock/system";
import { RegisterBank } from "../slaves/register-space";
import { unitsOf } from "../slaves/respond";
import { RtuPtyServer } from "./rtu-pty";
import { startPtyPair, type PtyPair } from "./socat";
import { tempDir } from "../../../test/support/tmp";

const tmp = tempDir("rtu-pty-");
const bank = new RegisterBank(4, { holding: [111, 222] });
let pair: PtyPair;
let server: RtuPtyServer;
let master: SerialPort;
const asm = new FrameAssembler();
let onFrame: ((f: Uint8Array) => void) | undefined;

beforeAll(async () => {
  pair = await startPtyPair(join(tmp.dir, "tty"));
  server = new RtuPtyServer(unitsOf([bank]), { path: pair.simPath, clock: systemClock, turnaroundMs: 1 });
  await server.start();
  master = new SerialPort({ path: pair.path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((res, rej) => master.open((e) => (e ? rej(e) : res())));
  master.on("data", (d: Buffer) => {
    const f = asm.push(d);
    if (f) onFrame?.(f);
  });
});
afterAll(async () => {
  await new Promise<void>((r) => (master?.isOpen ? master.close(() => r()) : r()));
  await server?.stop();
  await pair?.stop();
  tmp.cleanup();
});

function ask(req: Uint8Array): Promise<Uint8Array> {
  asm.expect(req);
  return new Promise((resolve) => {
    onFrame = resolve;
    master.write(Buffer.from(req));
  });
}

describe("RtuPtyServer", () => {
  it("ignores a request with a bad CRC (unlike modbus-serial's ServerSerial) and answers the next good one", async () => {
    const bad = encodeReadRequest(4, 3, 0, 2);
    bad[6] ^= 0xff;
    master.write(Buffer.from(bad));
    const good = encodeReadRequest(4, 3, 0, 2);
    const reply = await ask(good);
    const r = decodeResponse(good, reply);
    expect(r.ok && r.values).toEqual([111, 222]);
    expect(server.stats.badFrames).toBe(1);
    expect(server.stats.replies).toBe(1);
  });

  it("answers an exception for an address past the device", async () => {
    const req = encodeReadRequest(4, 3, 1, 5);
    const r = decodeResponse(req, await ask(req));
    expect(!r.ok && r.name).toBe("ILLEGAL DATA ADDRESS");
  });
});

describe("RtuPtyServer and function codes it does not implement", () => {
  it("answers ILLEGAL FUNCTION to FC 17 (report server id) once the line falls silent", async () => {
    const req = putCrc(Uint8Array.from([4, 17, 0, 0]));
    // The assembler cannot frame a reply to a function it does not know: collect raw bytes.
    const raw: number[] = [];
    const got = new Promise<void>((resolve) => {
      const on = (d: Buffer) => {
        raw.push(...d);
        if (raw.length >= 5) {
          master.off("data", on);
          resolve();
        }
      };
      master.on("data", on);
    });
    master.write(Buffer.from(req));
    await got;
    expect(raw.slice(0, 3)).toEqual([4, 0x91, 1]);
    expect(checkCrc(Uint8Array.from(raw), 5)).toBe(true);
  });
});
