/**
 * One page of the gateway's county feed, `GET /api/v1/feed` (docs/http-api.md, "The county
 * feed"), checked before anything of it is passed on: a page that is not what the contract
 * says is refused whole, so the cursor never moves past entries that were not delivered.
 */

/** A feed entry: a reading, an alert transition or a ledger entry (kinds may be added). */
export interface FeedItem {
  type: string;
  seq: number;
  [key: string]: unknown;
}

export interface FeedPage {
  items: FeedItem[];
  /** Opaque: passed back unchanged. */
  next_cursor: string;
  /** The highest seq committed when the page was read: more is waiting while the last item is below it. */
  last_seq: number;
}

export class FeedError extends Error {
  constructor(
    message: string,
    /** HTTP status when the gateway answered one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "FeedError";
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Checks a parsed answer against the feed's contract and that its seqs are strictly
 * increasing, and above `after` (the last seq delivered) when given.
 */
export function checkPage(json: unknown, after?: number): FeedPage {
  if (!isObject(json)) throw new FeedError("feed: the answer is not a JSON object");
  const { items, next_cursor: cursor, last_seq: lastSeq } = json;
  if (!Array.isArray(items)) throw new FeedError("feed: items is not an array");
  if (typeof cursor !== "string" || cursor === "") throw new FeedError("feed: next_cursor is not a non-empty string");
  if (typeof lastSeq !== "number" || !Number.isSafeInteger(lastSeq) || lastSeq < 0) throw new FeedError("feed: last_seq is not a non-negative integer");
  let prev = after ?? 0;
  items.forEach((item, i) => {
    if (!isObject(item)) throw new FeedError(`feed: items[${i}] is not an object`);
    if (typeof item.type !== "string" || item.type === "") throw new FeedError(`feed: items[${i}].type is not a string`);
    const seq = item.seq;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq <= 0) throw new FeedError(`feed: items[${i}].seq is not a positive integer`);
    if (seq <= prev) throw new FeedError(`feed: items[${i}].seq ${seq} is not above ${prev} (entries out of order or repeated)`);
    prev = seq;
  });
  return { items: items as FeedItem[], next_cursor: cursor, last_seq: lastSeq };
}

/** Whether the gateway had more committed than this page carried (page on at once). */
export function moreWaiting(page: FeedPage): boolean {
  const last = page.items[page.items.length - 1];
  return last !== undefined && last.seq < page.last_seq;
}

/** The Node-RED topic of an entry: its kind and what it is about. */
export function itemTopic(item: FeedItem): string {
  const about = item.sensor ?? item.subject ?? item.facility;
  return typeof about === "string" ? `${item.type}/${about}` : item.type;
}
