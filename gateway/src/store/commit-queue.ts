import type { Clock } from "@manure-edge/protocol";
import type { Logger } from "../log";
import type { CommittedBatch, IngestItem } from "./types";

export interface CommitQueueOptions {
  /** Flush at most this long after the first item of a batch arrived. */
  flushMs: number;
  /** Flush as soon as this many items wait. */
  maxBatch: number;
  /** ...or as soon as the waiting items hold this many readings (bounds a transaction's size and memory). */
  maxBatchReadings?: number;
  /** Items waiting, at most (while the disk is full the queue fills up to this). */
  maxQueue: number;
  /** First retry delay after a failed commit; doubles up to 16×. */
  retryMs?: number;
}

export interface CommitTarget {
  write(items: IngestItem[]): CommittedBatch;
}

export type StoreState = { ok: true; reason: null } | { ok: false; reason: string; since: number };

/** Errors that mean "no space": keep everything queued and retry, do not ack. */
const SPACE_ERRORS = new Set(["SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR", "SQLITE_BUSY", "SQLITE_IOERR_SHMSIZE"]);

/**
 * Group commit: items are queued and written many per transaction, every flushMs or every
 * maxBatch items. onCommitted runs only after COMMIT has returned, so whatever it publishes
 * (acks) covers durable data only.
 *
 * When a commit fails for lack of space (SQLITE_FULL, also what PRAGMA max_page_count gives)
 * the batch stays at the head of the queue, the state says why, and the commit is retried
 * with backoff until it succeeds; meanwhile nothing is acked, so nodes keep their data.
 * Any other error is isolated: the batch is retried item by item and an item that fails
 * alone is handed to onPoison (stored as a reject), so one bad item never blocks the rest.
 */
export class CommitQueue {
  private queue: IngestItem[] = [];
  /** Readings held by the queued items. */
  private weight = 0;
  private timer: unknown = null;
  private retryDelay: number;
  private stateValue: StoreState = { ok: true, reason: null };
  private running = false;
  private flushing = false;
  committedBatches = 0;
  failedCommits = 0;
  dropped = 0;
  lastCommitMs = 0;

  constructor(
    private readonly target: CommitTarget,
    private readonly clock: Clock,
    private readonly opts: CommitQueueOptions,
    private readonly onCommitted: (b: CommittedBatch) => void,
    private readonly log: Logger,
    private readonly onState: (s: StoreState) => void = () => undefined,
    private readonly onPoison: (item: IngestItem, err: Error) => IngestItem | null = () => null,
  ) {
    this.retryDelay = opts.retryMs ?? 500;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  /** Flushes what is queued (best effort) and stops the timers. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer();
    if (this.queue.length > 0 && this.stateValue.ok) this.flush();
  }

  get depth(): number {
    return this.queue.length;
  }

  get state(): StoreState {
    return this.stateValue;
  }

  /** Queues an item; false when the queue is full (the caller must not ack it). */
  enqueue(item: IngestItem): boolean {
    if (this.queue.length >= this.opts.maxQueue) {
      this.dropped++;
      return false;
    }
    this.queue.push(item);
    this.weight += weightOf(item);
    if (!this.stateValue.ok) return true; // the retry timer is running
    if (this.queue.length >= this.opts.maxBatch || this.weight >= this.maxReadings()) {
      this.cancelTimer();
      this.flush();
    } else if (this.timer === null && this.running) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.opts.flushMs);
    }
    return true;
  }

  /** Commits everything queued now (tests, shutdown). */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        let n = 0;
        let w = 0;
        while (n < this.queue.length && n < this.opts.maxBatch && (n === 0 || w + weightOf(this.queue[n]) <= this.maxReadings())) w += weightOf(this.queue[n++]);
        const batch = this.queue.slice(0, n);
        let committed: CommittedBatch;
        try {
          committed = this.target.write(batch);
        } catch (e) {
          this.failedCommits++;
          const err = e as Error & { code?: string };
          if (err.code && SPACE_ERRORS.has(err.code)) {
            this.enterFailed(`${err.code}: ${err.message}`);
            return;
          }
          this.log.error("commit failed, isolating items", { err: err.message, code: err.code, items: n });
          this.isolate(batch);
          this.queue.splice(0, n);
          this.weight -= w;
          continue;
        }
        this.queue.splice(0, n);
        this.weight -= w;
        this.committedBatches++;
        this.lastCommitMs = committed.commitMs;
        if (!this.stateValue.ok) {
          this.log.info("store recovered", { after: this.stateValue.reason });
          this.stateValue = { ok: true, reason: null };
          this.retryDelay = this.opts.retryMs ?? 500;
          this.onState(this.stateValue);
        }
        this.onCommitted(committed);
      }
    } finally {
      this.flushing = false;
    }
  }

  private maxReadings(): number {
    return this.opts.maxBatchReadings ?? 5000;
  }

  private isolate(batch: IngestItem[]): void {
    for (const item of batch) {
      try {
        this.onCommitted(this.target.write([item]));
      } catch (e) {
        const replacement = this.onPoison(item, e as Error);
        if (!replacement) continue;
        try {
          this.onCommitted(this.target.write([replacement]));
        } catch (e2) {
          this.log.error("could not store a poison item's reject", { err: (e2 as Error).message });
        }
      }
    }
  }

  private enterFailed(reason: string): void {
    if (this.stateValue.ok || this.stateValue.reason !== reason) {
      this.log.error("store cannot commit: not acking until it can", { reason, queued: this.queue.length });
      this.stateValue = { ok: false, reason, since: this.clock.now() };
      this.onState(this.stateValue);
    }
    this.cancelTimer();
    if (!this.running) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, (this.opts.retryMs ?? 500) * 16);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delay);
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}

function weightOf(item: IngestItem): number {
  return item.kind === "up" ? Math.max(1, item.readings.length) : 1;
}
