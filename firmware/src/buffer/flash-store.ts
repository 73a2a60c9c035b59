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
 * 640 KB of the ESP32's 896 KB Storage: the rest holds the bundle (.bootcde, ~50 KB),
 * node.json, the boot counter and room for the journaling store's trash. Where Storage is
 * smaller (the Linux build has 256 KB) a failed append drops the oldest segment instead.
 */
export const DEFAULT_FLASH: FlashOptions = { prefix: "mq", segBytes: 3968, maxBytes: 640 * 1024, compactTrash: 128 * 1024 };

interface Segment {
  n: number;
  count: number;
  bytes: number;
  last: Key;
}

export class FlashStore implements MessageStore {
  corrupt = 0;
  compactions = 0;
  private segs: Segment[] = [];
  /** Segment appended to in this boot; null until the first push. */
  private open: Segment | null = null;
  private lost = 0;
  private acked: Key | null = null;
  private cacheN = -1;
  private cache: Entry[] = [];

  constructor(private readonly st: Storage, private readonly o: FlashOptions) {
    const names = st.list(o.prefix);
    const nums: number[] = [];
    for (let i = 0; i < names.length; i++) {
      const rest = names[i].substr(o.prefix.length);
      if (/^[0-9]+$/.test(rest)) nums.push(parseInt(rest, 10));
    }
    nums.sort((a, b) => a - b);
    for (let i = 0; i < nums.length; i++) {
      const es = this.load(nums[i]);
      if (es.length === 0) {
        st.erase(o.prefix + nums[i]);
        continue;
      }
      let bytes = 0;
      for (let j = 0; j < es.length; j++) bytes += es[j].d.length + 16;
      const last = es[es.length - 1];
      this.segs.push({ n: nums[i], count: es.length, bytes: bytes, last: [last.b, last.s] });
    }
  }

  push(e: Entry): void {
    const line = e.b + "," + e.s + "," + asciiOnly(e.d);
    const need = line.length + 1;
    if (!this.open || this.open.bytes + need > this.o.segBytes) this.startSegment();
    while (this.totalBytes() + need > this.o.maxBytes && this.segs.length > 1) this.dropOldest();
    let ok = this.st.appendLine(this.o.prefix + this.open!.n, line);
    while (!ok && this.segs.length > 1) {
      // Flash full (other files, trash): give up the oldest messages, never the newest.
      this.dropOldest();
      ok = this.st.appendLine(this.o.prefix + this.open!.n, line);
    }
    if (!ok) {
      this.lost++;
      return;
    }
    const s = this.open!;
    s.count++;
    s.bytes += need;
    s.last = [e.b, e.s];
    if (this.cacheN === s.n) this.cache.push({ b: e.b, s: e.s, d: e.d });
  }

  peek(k: Key | null, n: number): Entry[] {
    const out: Entry[] = [];
    for (let i = 0; i < this.segs.length && out.length < n; i++) {
      const sg = this.segs[i];
      if (!after({ b: sg.last[0], s: sg.last[1], d: "" }, k)) continue;
      if (this.acked && cmpKey(sg.last[0], sg.last[1], this.acked[0], this.acked[1]) <= 0) continue;
      const es = this.entries(sg.n);
      for (let j = 0; j < es.length && out.length < n; j++) {
        if (after(es[j], k) && after(es[j], this.acked)) out.push(es[j]);
      }
    }
    return out;
  }

  ack(b: number, s: number): number {
    let removed = 0;
    while (this.segs.length > 0) {
      const sg = this.segs[0];
      if (cmpKey(sg.last[0], sg.last[1], b, s) > 0) break;
      removed += sg.count - this.ackedIn(sg);
      this.eraseSeg(sg);
    }
    if (this.segs.length > 0) {
      const before = this.ackedIn(this.segs[0]);
      if (!this.acked || cmpKey(b, s, this.acked[0], this.acked[1]) > 0) this.acked = [b, s];
      removed += this.ackedIn(this.segs[0]) - before;
    } else {
      this.acked = null;
      this.maybeCompact();
    }
    return removed;
  }

  size(): number {
    let n = 0;
    for (let i = 0; i < this.segs.length; i++) n += this.segs[i].count;
    return this.segs.length ? n - this.ackedIn(this.segs[0]) : 0;
  }

  dropped(): number {
    return this.lost;
  }

  totalBytes(): number {
    let n = 0;
    for (let i = 0; i < this.segs.length; i++) n += this.segs[i].bytes;
    return n;
  }

  segments(): number {
    return this.segs.length;
  }

  private ackedIn(sg: Segment): number {
    if (!this.acked || sg !== this.segs[0]) return 0;
    const es = this.entries(sg.n);
    let n = 0;
    while (n < es.length && cmpKey(es[n].b, es[n].s, this.acked[0], this.acked[1]) <= 0) n++;
    return n;
  }

  private startSegment(): void {
    const n = this.segs.length ? this.segs[this.segs.length - 1].n + 1 : 1;
    const sg: Segment = { n: n, count: 0, bytes: 0, last: [0, 0] };
    this.segs.push(sg);
    this.open = sg;
    this.cacheN = n;
    this.cache = [];
  }

  private dropOldest(): void {
    const sg = this.segs[0];
    this.lost += sg.count - this.ackedIn(sg);
    this.eraseSeg(sg);
    this.acked = null;
  }

  private eraseSeg(sg: Segment): void {
    this.st.erase(this.o.prefix + sg.n);
    this.segs.shift();
    if (this.open === sg) this.open = null;
    if (this.cacheN === sg.n) {
      this.cacheN = -1;
      this.cache = [];
    }
  }

  private maybeCompact(): void {
    if (this.st.stats().trash > this.o.compactTrash) {
      this.st.compact();
      this.compactions++;
    }
  }

  /** Entries of a segment, read from flash once and cached (one segment at a time). */
  private entries(n: number): Entry[] {
    if (this.cacheN !== n) {
      this.cache = this.load(n);
      this.cacheN = n;
    }
    return this.cache;
  }

  private load(n: number): Entry[] {
    const lines = this.st.readLines(this.o.prefix + n);
    const out: Entry[] = [];
    for (let i = 0; i < lines.length; i++) {
      // No regex here: Espruino's regex engine lacks much of ES5's (../shared/espruino.md).
      const l = lines[i];
      const c1 = l.indexOf(",");
      const c2 = c1 < 0 ? -1 : l.indexOf(",", c1 + 1);
      const b = c1 > 0 ? digits(l.substring(0, c1)) : -1;
      const sq = c2 > 0 ? digits(l.substring(c1 + 1, c2)) : -1;
      if (b < 0 || sq < 0 || l.charAt(c2 + 1) !== "{" || l.charAt(l.length - 1) !== "}") {
        this.corrupt++; // torn by a power cut while appending
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
