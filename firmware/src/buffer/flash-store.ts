/**
 * Uplink messages in flash (Espruino Storage), bounded, with care for wear.
 *
 * Layout: segment files `<prefix><n>` (n increasing), each an append file of lines
 * `<boot>,<seq>,<json>` of at most `segBytes` (one 4 KB flash sector on the ESP32). A segment
 * is written once, line by line, and erased whole once the gateway's ack covers its last
 * line; nothing is ever rewritten in place. The ack position inside the oldest segment is
 * kept in RAM only (writing it would cost a flash write per ack): after a reboot up to one
 * segment of already-acked messages is sent again, and the gateway drops them by
 * (node, boot, seq). Appends after a boot go to a new segment, so a line torn by a power cut
 * is never continued. compact() (which moves every live file) runs only when the trash is
 * large and the queue is empty. Lines never contain "\xFF" (appended data must not,
 * ../shared/espruino.md): the JSON is ASCII, non-ASCII characters are escaped as \uXXXX.
 */
import type { Storage } from "../hw/types";
import { after, cmpKey, type Entry, type Key, type MessageStore } from "./store";

export interface FlashOptions {
  prefix: string;
  /** Bytes per segment file. */
  segBytes: number;
  /** Bytes for the whole queue; beyond it the oldest segment is dropped (counted). */
  maxBytes: number;
  /** compact() when trash exceeds this and the queue is empty. */
  compactTrash: number;
}

/**
 * 640 KB of messages in the ESP32's 896 KB Storage: the rest holds the bundle (.bootcde,
 * ~40 KB), node.json, the boot counter, the chunks' unused ends and room for the journaling
 * store's trash. Where Storage is smaller (the Linux build has 256 KB) a failed append drops
 * the oldest segment instead.
 *
 * A segment is one StorageFile chunk: Espruino's STORAGEFILE_CHUNKSIZE is the flash page (at
 * most 4096) less the 32-byte JsfFileHeader (src/jswrap_storage.c), 4064 bytes on the ESP32
 * (4 KB pages). Measured in the week-outage HIL test with 732- and 1 076-byte lines: 4 lines a
 * segment at 3 968 bytes (chunks 79 % full, 816 KB of Storage for the 640 KB), 5 at 4 064.
 */
export const DEFAULT_FLASH: FlashOptions = { prefix: "mq", segBytes: 4064, maxBytes: 640 * 1024, compactTrash: 128 * 1024 };

interface Segment {
  n: number;
  count: number;
  bytes: number;
  last: Key;
}

export class FlashStore implements MessageStore {
  corrupt = 0;
  compactions = 0;
  private _segs: Segment[] = [];
  /** Segment appended to in this boot; null until the first push. */
  private _open: Segment | null = null;
  private _lost = 0;
  private _acked: Key | null = null;
  private _cacheN = -1;
  private _cache: Entry[] = [];

  constructor(private readonly _st: Storage, private readonly _o: FlashOptions) {
    const names = _st.list(_o.prefix);
    const nums: number[] = [];
    for (let i = 0; i < names.length; i++) {
      const rest = names[i].substr(_o.prefix.length);
      if (/^[0-9]+$/.test(rest)) nums.push(parseInt(rest, 10));
    }
    nums.sort((a, b) => a - b);
    for (let i = 0; i < nums.length; i++) {
      const es = this._load(nums[i]);
      if (es.length === 0) {
        _st.erase(_o.prefix + nums[i]);
        continue;
      }
      let bytes = 0;
      for (let j = 0; j < es.length; j++) bytes += es[j].d.length + 16;
      const last = es[es.length - 1];
      this._segs.push({ n: nums[i], count: es.length, bytes: bytes, last: [last.b, last.s] });
    }
  }

  push(e: Entry): void {
    const line = e.b + "," + e.s + "," + asciiOnly(e.d);
    const need = line.length + 1;
    if (!this._open || this._open.bytes + need > this._o.segBytes) this._startSegment();
    while (this.totalBytes() + need > this._o.maxBytes && this._segs.length > 1) this._dropOldest();
    let ok = this._append(line);
    while (!ok && this._segs.length > 1) {
      // Flash full (other files, trash): give up the oldest messages, never the newest.
      this._dropOldest();
      ok = this._append(line);
    }
    if (!ok) {
      this._lost++;
      return;
    }
    const s = this._open!;
    s.count++;
    s.bytes += need;
    s.last = [e.b, e.s];
    if (this._cacheN === s.n) this._cache.push({ b: e.b, s: e.s, d: e.d });
  }

  peek(k: Key | null, n: number): Entry[] {
    const out: Entry[] = [];
    for (let i = 0; i < this._segs.length && out.length < n; i++) {
      const sg = this._segs[i];
      if (!after({ b: sg.last[0], s: sg.last[1], d: "" }, k)) continue;
      if (this._acked && cmpKey(sg.last[0], sg.last[1], this._acked[0], this._acked[1]) <= 0) continue;
      const es = this._entries(sg.n);
      for (let j = 0; j < es.length && out.length < n; j++) {
        if (after(es[j], k) && after(es[j], this._acked)) out.push(es[j]);
      }
    }
    return out;
  }

  ack(b: number, s: number): number {
    let removed = 0;
    while (this._segs.length > 0) {
      const sg = this._segs[0];
      if (cmpKey(sg.last[0], sg.last[1], b, s) > 0) break;
      removed += sg.count - this._ackedIn(sg);
      this._eraseSeg(sg);
    }
    if (this._segs.length > 0) {
      const before = this._ackedIn(this._segs[0]);
      if (!this._acked || cmpKey(b, s, this._acked[0], this._acked[1]) > 0) this._acked = [b, s];
      removed += this._ackedIn(this._segs[0]) - before;
    } else {
      this._acked = null;
      this._maybeCompact();
    }
    return removed;
  }

  size(): number {
    let n = 0;
    for (let i = 0; i < this._segs.length; i++) n += this._segs[i].count;
    return this._segs.length ? n - this._ackedIn(this._segs[0]) : 0;
  }

  dropped(): number {
    return this._lost;
  }

  totalBytes(): number {
    let n = 0;
    for (let i = 0; i < this._segs.length; i++) n += this._segs[i].bytes;
    return n;
  }

  segments(): number {
    return this._segs.length;
  }

  /**
   * Appends to the open segment. A failed append may have left the start of its line in the
   * file (a StorageFile is written chunk by chunk and its next chunk may not fit): appending
   * the line again behind it would make one line of the two, read back as a valid-looking
   * message with broken JSON. So a segment with lines takes no more after a failure (its torn
   * tail has no "\n" and is skipped when read) and a new one is opened; an empty one is erased.
   */
  private _append(line: string): boolean {
    const sg = this._open!;
    if (this._st.appendLine(this._o.prefix + sg.n, line)) return true;
    if (sg.count > 0) this._startSegment();
    else this._st.erase(this._o.prefix + sg.n);
    return false;
  }

  private _ackedIn(sg: Segment): number {
    if (!this._acked || sg !== this._segs[0]) return 0;
    const es = this._entries(sg.n);
    let n = 0;
    while (n < es.length && cmpKey(es[n].b, es[n].s, this._acked[0], this._acked[1]) <= 0) n++;
    return n;
  }

  private _startSegment(): void {
    const n = this._segs.length ? this._segs[this._segs.length - 1].n + 1 : 1;
    const sg: Segment = { n: n, count: 0, bytes: 0, last: [0, 0] };
    this._segs.push(sg);
    this._open = sg;
    this._cacheN = n;
    this._cache = [];
  }

  private _dropOldest(): void {
    const sg = this._segs[0];
    this._lost += sg.count - this._ackedIn(sg);
    this._eraseSeg(sg);
    this._acked = null;
  }

  private _eraseSeg(sg: Segment): void {
    this._st.erase(this._o.prefix + sg.n);
    this._segs.shift();
    if (this._open === sg) this._open = null;
    if (this._cacheN === sg.n) {
      this._cacheN = -1;
      this._cache = [];
    }
  }

  private _maybeCompact(): void {
    if (this._st.stats().trash > this._o.compactTrash) {
      this._st.compact();
      this.compactions++;
    }
  }

  /** Entries of a segment, read from flash once and cached (one segment at a time). */
  private _entries(n: number): Entry[] {
    if (this._cacheN !== n) {
      this._cache = this._load(n);
      this._cacheN = n;
    }
    return this._cache;
  }

  private _load(n: number): Entry[] {
    const lines = this._st.readLines(this._o.prefix + n);
    const out: Entry[] = [];
    for (let i = 0; i < lines.length; i++) {
      // No regex here: Espruino's regex engine lacks much of ES5's (../shared/espruino.md).
      const raw = lines[i];
      // Every line is appended with its "\n" last: without it, the line was torn.
      const l = raw.charAt(raw.length - 1) === "\n" ? raw.substr(0, raw.length - 1) : "";
      const c1 = l.indexOf(",");
      const c2 = c1 < 0 ? -1 : l.indexOf(",", c1 + 1);
      const b = c1 > 0 ? digits(l.substring(0, c1)) : -1;
      const sq = c2 > 0 ? digits(l.substring(c1 + 1, c2)) : -1;
      if (b < 0 || sq < 0 || l.charAt(c2 + 1) !== "{" || l.charAt(l.length - 1) !== "}") {
        this.corrupt++; // torn by a power cut or a failed append
        continue;
      }
      out.push({ b: b, s: sq, d: l.substr(c2 + 1) });
    }
    return out;
  }
}

/** JSON text with every non-ASCII character escaped, so it holds no "\xFF" byte. */
export function asciiOnly(s: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x7f) continue;
    out += s.substring(from, i) + "\\u" + ("000" + c.toString(16)).substr(-4);
    from = i + 1;
  }
  return from === 0 ? s : out + s.substr(from);
}

/** A non-negative decimal integer, or -1. */
function digits(t: string): number {
  if (t.length === 0 || t.length > 15) return -1;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return parseInt(t, 10);
}
