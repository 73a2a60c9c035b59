import type { Metrics } from "../metrics";
import type { CommitQueue } from "../store/commit-queue";
import type { Store } from "../store/store";

/** Store and commit-queue gauges, read when /metrics is scraped. */
export function registerStoreMetrics(m: Metrics, store: Store, queue: CommitQueue): void {
  m.collect("gateway_db_bytes", "SQLite database size (page_count × page_size) and WAL file size", () => {
    const d = store.diskUse();
    return [
      { labels: { file: "db" }, value: d.dbBytes },
      { labels: { file: "wal" }, value: d.walBytes },
    ];
  });
  m.collect("gateway_db_quota_bytes", "Upper bound of the database (max_page_count × page_size)", () => {
    const d = store.diskUse();
    return [{ value: d.maxPageCount * d.pageSize }];
  });
  m.collect("gateway_commit_queue_depth", "Messages waiting for a commit", () => [{ value: queue.depth }]);
  m.collect("gateway_store_ok", "1 when the store commits, 0 when it cannot (reason in the label)", () => {
    const s = queue.state;
    return [{ labels: { reason: s.reason ?? "" }, value: s.ok ? 1 : 0 }];
  });
  m.collect("gateway_commit_seconds", "Duration of the last group-commit transaction", () => [{ value: queue.lastCommitMs / 1000 }]);
  m.collect("gateway_commits_total", "Group-commit transactions committed", () => [{ value: queue.committedBatches }]);
  m.collect("gateway_commit_failures_total", "Group-commit transactions that failed (disk full, I/O)", () => [{ value: queue.failedCommits }]);
  m.collect("gateway_feed_seq", "Last feed sequence number committed", () => [{ value: store.lastFeedSeq() }]);
}
