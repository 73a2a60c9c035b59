import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../log";
import type { ForwardState, OutboxBatch, RenderedBody } from "../store/forward";
import type { Store } from "../store/store";
import { pageBody } from "./upstream-payload";

/**
 * Batches rendered per transaction (one fsync): a batch of 500 readings takes about 1.8 ms of
 * CPU to read, render and store here, so a chunk holds the event loop (ingest) about 15 ms.
 */
const CHUNK_BATCHES = 8;
/** Rendering stops when the database uses this share of store.maxPageCount... */
const MAX_PAGE_SHARE = 0.75;
/** ...or when the volume has less than this free, so that ingest keeps the room it needs to ack nodes. */
const MIN_FREE_BYTES = 256 * 1024 * 1024;

export interface RenderOptions {
  /** Feed entries rendered ahead at most (upstream.renderAhead; 0: never render). */
  renderAhead: number;
}

/**
 * Renders the payload bodies of outbox batches while the county link is down, in the background.
 *
 * Draining a backlog spends most of the gateway's time reading the feed as JSON (about 0.6 µs a
 * reading, gateway/README.md "Benchmarks"). An outage is idle time for the link: rendering then,
 * a chunk at a time between ingest commits, leaves the drain only publishing. The body of a batch
 * does not change when it is published again (features/upstream-payload.ts pageBody), so it is
 * stored with the batch in the durable outbox and survives restarts; only the header (`sent`) is
 * written at publish time. A batch without a body is read from the feed when it is published,
 * as before, so rendering is only ever ahead of the drain, never in its way.
 *
 * Disk: a rendered body takes about half of what its readings take (50–58 bytes a reading against 115), and
 * is deleted when the batch is acknowledged. Rendering is bounded by `renderAhead` entries and
 * stops while the database uses 75 % of store.maxPageCount or the volume has less than 256 MB
 * free: the space ingest needs to keep acking nodes comes first.
 */
export class OutboxRenderer {
  private scheduled: NodeJS.Immediate | null = null;
  /** Highest first seq rendered in this activation; unrendered() looks after it. */
  private after = 0;
  private rendered = -1;
  private failing = false;
  /** Feed entries rendered since start (for tests and the log). */
  renderedTotal = 0;

  constructor(
    private readonly store: Store,
    private readonly forward: ForwardState,
    private readonly opts: RenderOptions,
    private readonly log: Logger,
    /** True while rendering is wanted (the link is down). */
    private readonly active: () => boolean,
  ) {}

  /** Renders what is formed and not rendered, in steps between other work; idempotent. */
  kick(): void {
    if (this.scheduled !== null || this.opts.renderAhead <= 0 || !this.active()) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      if (this.step()) this.kick();
    });
  }

  /** Stops rendering; the next kick starts over from what the outbox holds. */
  pause(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.after = 0;
    this.rendered = -1;
  }

  /** Feed entries rendered and not yet acknowledged (gateway_upstream_rendered_entries). */
  renderedEntries(): number {
    return this.forward.renderedEntries();
  }

  /** One chunk; true when there may be more to do. */
  private step(): boolean {
    if (!this.active()) return false;
    if (this.rendered < 0) this.rendered = this.forward.renderedEntries();
    if (this.rendered >= this.opts.renderAhead || !this.roomOnDisk()) return false;
    // Never beyond renderAhead: the chunk is cut at the bound (a batch holds at most last - first + 1 entries).
    let room = this.opts.renderAhead - this.rendered;
    const todo = this.forward.unrendered(this.after, CHUNK_BATCHES).filter((b) => (room -= b.last - b.first + 1) >= 0);
    if (todo.length === 0) return false;
    try {
      const rows = todo.map((b) => ({ ...b, ...readBody(this.store, b) }));
      this.forward.setBodies(rows);
      const n = rows.reduce((s, r) => s + r.entries, 0);
      this.rendered += n;
      this.renderedTotal += n;
      this.after = todo[todo.length - 1].first;
      this.failing = false;
      return true;
    } catch (e) {
      // Disk full, for instance: nothing is lost (those batches are read at publish time);
      // the next commit tries again. Said once per failing streak.
      if (!this.failing) this.log.warn("upstream could not render the outbox", { err: (e as Error).message });
      this.failing = true;
      return false;
    }
  }

  private roomOnDisk(): boolean {
    const d = this.store.diskUse();
    if (d.pageCount - d.freePages > MAX_PAGE_SHARE * d.maxPageCount) return false;
    if (this.store.path === ":memory:") return true;
    try {
      const s = statfsSync(dirname(this.store.path));
      return s.bavail * s.bsize >= MIN_FREE_BYTES;
    } catch {
      return true;
    }
  }
}

/**
 * A batch's body read from the feed now: its range exactly (a re-send's range may predate a
 * change of batchSize; a range of readings only is one statement, store/feed-page.ts).
 */
export function readBody(store: Store, b: OutboxBatch): RenderedBody {
  const page = store.feedPage(b.first - 1, b.last - b.first + 1, b.last) ?? { first: b.first, last: b.last, count: 0, readings: "", alerts: [], ledger: [] };
  return { body: pageBody(page), entries: page.count };
}

/** A batch's body to publish: as rendered while the link was down, else read from the feed now. */
export function batchBody(store: Store, forward: ForwardState, b: OutboxBatch): RenderedBody {
  return forward.body(b) ?? readBody(store, b);
}
