import type { Clock } from "@manure-edge/protocol";
import type { Logger } from "../log";
import type { Store } from "../store/store";

/**
 * Deletes raw readings older than the retention period (data time), hourly. Readings not yet
 * forwarded upstream are kept whatever their age (see store/retention.ts).
 */
export class Retention {
  private timer: unknown = null;
  deleted = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly retentionDays: number,
    /** Feed seq up to which everything has been forwarded (Infinity with no upstream). */
    private readonly forwardedUpTo: () => number,
    private readonly log: Logger,
    private readonly everyMs = 3_600_000,
  ) {}

  async start(): Promise<void> {
    this.timer = this.clock.setInterval(() => this.runOnce(), this.everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
  }

  runOnce(): number {
    const before = this.clock.now() - this.retentionDays * 86_400_000;
    try {
      const keep = this.forwardedUpTo();
      const n = this.store.deleteOldReadings(before, Number.isFinite(keep) ? keep : Number.MAX_SAFE_INTEGER);
      this.deleted += n;
      if (n > 0) this.log.info("retention deleted raw readings", { deleted: n, before: new Date(before).toISOString() });
      return n;
    } catch (e) {
      this.log.warn("retention failed", { err: (e as Error).message });
      return 0;
    }
  }
}
