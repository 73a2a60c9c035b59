import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

/**
 * The node's Storage area: a model of Espruino's journaling flash filesystem (src/jsflash.c)
 * on an ESP32: 224 pages of 4096 bytes (896 KB, boards/ESP32.py), each file a 32-byte header
 * (4-byte size+flags, 28-byte name) followed by its data rounded up to 4 bytes. Files are
 * appended to the end of the used area; replacing or erasing a file only marks it as trash,
 * which keeps using space until compact() (called automatically by a create that would not
 * otherwise fit, as jsfCreateFile does). It belongs to the node, not to a run: it survives
 * reboot, watchdog reset and power loss, and can be persisted to a file.
 */
export const ESP32_STORAGE_BYTES = 224 * 4096;
export const FILE_HEADER_BYTES = 32;
export const MAX_NAME_CHARS = 28;
/** Flag of a chunk written by StorageFile (JSFF_STORAGEFILE). */
export const SF_FLAG = 1;

export class FlashError extends Error {
  override name = "FlashError";
}

interface Entry {
  name: string;
  flags: number;
  data: Uint8Array;
  trash: boolean;
}

export interface FlashStats {
  totalBytes: number;
  freeBytes: number;
  fileBytes: number;
  fileCount: number;
  trashBytes: number;
  trashCount: number;
}

export interface FlashWear {
  /** Data and header bytes programmed. */
  bytesWritten: number;
  /** compact() runs, explicit or automatic. */
  compactions: number;
  /** Page erases (each compaction erases the pages it rewrote; eraseAll every page). */
  pageErases: number;
}

export interface FlashOptions {
  totalBytes?: number;
  /** Keep the image in this file (JSON); loaded if it exists, rewritten after each change. */
  path?: string;
}

const align4 = (n: number) => (n + 3) & ~3;

export class FlashStorage {
  readonly totalBytes: number;
  readonly wear: FlashWear = { bytesWritten: 0, compactions: 0, pageErases: 0 };
  private entries: Entry[] = [];
  private readonly path?: string;

  constructor(opts: FlashOptions = {}) {
    this.totalBytes = opts.totalBytes ?? ESP32_STORAGE_BYTES;
    this.path = opts.path;
    if (this.path && existsSync(this.path)) this.load(this.path);
  }

  /** Names are cut to 28 characters, silently, as jsfNameFromVar does. */
  static fileName(name: string): string {
    return name.slice(0, MAX_NAME_CHARS);
  }

  private live(name: string): Entry | undefined {
    for (const e of this.entries) if (!e.trash && e.name === name) return e;
    return undefined;
  }

  private used(): number {
    let n = 0;
    for (const e of this.entries) n += FILE_HEADER_BYTES + align4(e.data.length);
    return n;
  }

  stats(): FlashStats {
    const s: FlashStats = { totalBytes: this.totalBytes, freeBytes: 0, fileBytes: 0, fileCount: 0, trashBytes: 0, trashCount: 0 };
    // Sizes include each file's header, as jsfGetStorageStats reports them (checked on the
    // real Linux build: one 100 000-byte file shows fileBytes 100032).
    for (const e of this.entries) {
      const bytes = FILE_HEADER_BYTES + align4(e.data.length);
      if (e.trash) {
        s.trashBytes += bytes;
        s.trashCount++;
      } else {
        s.fileBytes += bytes;
        s.fileCount++;
      }
    }
    s.freeBytes = this.totalBytes - this.used();
    return s;
  }

  /** Storage.getFree: bytes left at the end of the area (a file needs its 32-byte header too). */
  free(): number {
    return Math.max(0, this.totalBytes - this.used());
  }

  /** Size of a live file, or -1. */
  size(name: string): number {
    return this.live(FlashStorage.fileName(name))?.data.length ?? -1;
  }

  read(name: string, offset = 0, length = 0): Uint8Array | undefined {
    const e = this.live(FlashStorage.fileName(name));
    if (!e) return undefined;
    const start = Math.min(Math.max(0, offset), e.data.length);
    const end = length > 0 ? Math.min(e.data.length, start + length) : e.data.length;
    return e.data.subarray(start, end);
  }

  /**
   * Storage.write semantics (jsfWriteFile): offset 0 creates the file (replacing any file of
   * that name, unless it already holds exactly this content), `size` larger than the data
   * reserves space filled with 0xFF; a non-zero offset writes into an existing file, only
   * over bytes still erased. Throws FlashError with Espruino's message on failure.
   */
  write(name: string, data: Uint8Array, offset = 0, size = 0, flags = 0): true {
    name = FlashStorage.fileName(name);
    if (offset < 0 || size < 0) throw new FlashError("Invalid offset or size");
    if (size === 0) size = data.length;
    if (!size) throw new FlashError("Can't create zero length file");
    let e = this.live(name);
    if (offset === 0 && (!e || e.flags !== flags || e.data.length !== size || !isErased(e.data, 0, size))) {
      if (e && e.flags === flags && e.data.length === size && data.length === size && equal(e.data, data)) return true;
      if (e) e.trash = true; // the old file is gone even if the new one does not fit
      e = this.create(name, size, flags);
    }
    if (!e) {
      this.persist();
      throw new FlashError("Unable to find or create file");
    }
    if (offset + data.length > e.data.length) throw new FlashError("Too much data for file size");
    if (!isErased(e.data, offset, offset + data.length)) throw new FlashError("File already written with different data");
    e.data.set(data, offset);
    this.wear.bytesWritten += data.length;
    this.persist();
    return true;
  }

  /**
   * Program bytes inside an existing file (what StorageFile.write does with Flash.write):
   * flash can only clear bits, so the result is old AND new, as on the chip.
   */
  writeAt(name: string, offset: number, data: Uint8Array): void {
    const e = this.live(FlashStorage.fileName(name));
    if (!e) throw new FlashError("File not found");
    if (offset < 0 || offset + data.length > e.data.length) throw new FlashError("Write outside file");
    for (let i = 0; i < data.length; i++) e.data[offset + i] &= data[i];
    this.wear.bytesWritten += data.length;
    this.persist();
  }

  erase(name: string): boolean {
    const e = this.live(FlashStorage.fileName(name));
    if (!e) return false;
    e.trash = true;
    this.persist();
    return true;
  }

  eraseAll(): void {
    this.entries = [];
    this.wear.pageErases += Math.ceil(this.totalBytes / 4096);
    this.persist();
  }

  /** Drop trash and move live files down (jsfCompact). */
  compact(): void {
    const before = this.used();
    this.entries = this.entries.filter((e) => !e.trash);
    this.wear.compactions++;
    this.wear.pageErases += Math.ceil(before / 4096);
    this.persist();
  }

  /**
   * File names as Storage.list returns them: sf -1 all (StorageFile chunks listed once, with
   * their "\x01" suffix), 1 only StorageFiles (suffix removed), 0 only normal files.
   */
  list(sf: -1 | 0 | 1): string[] {
    const out: string[] = [];
    for (const e of this.entries) {
      if (e.trash) continue;
      const isSf = (e.flags & SF_FLAG) !== 0;
      if (sf === 1 && !isSf) continue;
      if (sf === 0 && isSf) continue;
      if (isSf) {
        if (e.name.charCodeAt(e.name.length - 1) !== 1) continue;
        out.push(sf === 1 ? e.name.slice(0, -1) : e.name);
      } else out.push(e.name);
    }
    return out;
  }

  private create(name: string, size: number, flags: number): Entry | undefined {
    const need = FILE_HEADER_BYTES + align4(size);
    if (this.totalBytes - this.used() < need) {
      const trash = this.stats().trashBytes;
      // jsfCreateFile compacts only when that would make enough room ("fail fast" otherwise)
      if (need < this.totalBytes - this.used() + trash) this.compact();
      if (this.totalBytes - this.used() < need) return undefined;
    }
    const e: Entry = { name, flags, data: new Uint8Array(size).fill(0xff), trash: false };
    this.entries.push(e);
    this.wear.bytesWritten += FILE_HEADER_BYTES;
    return e;
  }

  private persist(): void {
    if (!this.path) return;
    const json = JSON.stringify({
      totalBytes: this.totalBytes,
      wear: this.wear,
      entries: this.entries.map((e) => ({ name: e.name, flags: e.flags, trash: e.trash, data: Buffer.from(e.data).toString("base64") })),
    });
    writeFileSync(this.path + ".tmp", json);
    renameSync(this.path + ".tmp", this.path);
  }

  private load(path: string): void {
    const j = JSON.parse(readFileSync(path, "utf8")) as {
      wear?: FlashWear;
      entries: { name: string; flags: number; trash: boolean; data: string }[];
    };
    this.entries = j.entries.map((e) => ({ name: e.name, flags: e.flags, trash: e.trash, data: new Uint8Array(Buffer.from(e.data, "base64")) }));
    if (j.wear) Object.assign(this.wear, j.wear);
  }
}

function isErased(d: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (d[i] !== 0xff) return false;
  return true;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Binary string (one char per byte, as Espruino strings) <-> bytes. */
export function binToBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

export function bytesToBin(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}
