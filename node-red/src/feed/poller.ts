import { FeedError, moreWaiting, type FeedItem, type FeedPage } from "./page";

/** Where the poller keeps its position (a Node-RED node's context). */
export interface CursorStore {
  load(): { cursor?: string; seq?: number };
  save(cursor: string, seq: number | undefined): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface FeedPollerOptions {
  /** Reads the page after `cursor`; `after` is the last seq delivered (pages are checked against it). */
  fetchPage(cursor: string | undefined, after: number | undefined): Promise<FeedPage>;
  store: CursorStore;
  /** Hands a page's entries on (synchronously); the cursor moves only after it returned. */
  deliver(items: FeedItem[], page: FeedPage): void;
  onError(err: Error): void;
  /** After every attempt: the last seq delivered and the errors so far. */
  onProgress?(p: { seq: number | undefined; errors: number; ok: boolean }): void;
  /** Wait between polls once caught up, and after an error. */
  intervalMs: number;
  timers: Timers;
}

/**
 * Pulls the county feed page by page: at once while the gateway has more than the last page
 * carried (catching up), every intervalMs once caught up. A page is delivered whole and only
 * then is its cursor saved, so a failure at any point repeats a page (at least once, in seq
 * order, each entry with its seq for a consumer to drop repeats) and never skips one.
 */
export class FeedPoller {
  private timer: unknown = null;
  private running = false;
  private inFlight: Promise<void> | null = null;
  /** Failed attempts since start. */
  errors = 0;
  /** Entries delivered since start. */
  delivered = 0;

  constructor(private readonly opts: FeedPollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops polling; resolves once a request under way has finished (its page delivered or dropped). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.opts.timers.clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** Polls now (an input message), unless a poll is under way. */
  pollNow(): void {
    if (!this.running || this.inFlight) return;
    if (this.timer !== null) this.opts.timers.clearTimeout(this.timer);
    this.timer = null;
    this.schedule(0);
  }

  /** Forgets the position: the next poll starts from the oldest entry the gateway keeps. */
  reset(): void {
    this.opts.store.save("", undefined);
  }

  private schedule(ms: number): void {
    this.timer = this.opts.timers.setTimeout(() => {
      this.timer = null;
      this.inFlight = this.poll().finally(() => {
        this.inFlight = null;
      });
    }, ms);
  }

  private async poll(): Promise<void> {
    const { cursor, seq } = this.opts.store.load();
    let next = this.opts.intervalMs;
    try {
      const page = await this.opts.fetchPage(cursor === "" ? undefined : cursor, seq);
      // Stopped while the request was out: deliver nothing, so the next start repeats this page.
      if (!this.running) return;
      if (page.items.length > 0) this.opts.deliver(page.items, page);
      const last = page.items[page.items.length - 1];
      this.delivered += page.items.length;
      this.opts.store.save(page.next_cursor, last ? last.seq : seq);
      if (moreWaiting(page)) next = 0;
      this.opts.onProgress?.({ seq: last ? last.seq : seq, errors: this.errors, ok: true });
    } catch (e) {
      this.errors++;
      this.opts.onError(e instanceof Error ? e : new FeedError(String(e)));
      this.opts.onProgress?.({ seq, errors: this.errors, ok: false });
    } finally {
      if (this.running) this.schedule(next);
    }
  }
}
