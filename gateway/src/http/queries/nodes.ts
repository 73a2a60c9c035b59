import type Database from "better-sqlite3";

export interface NodeGaps {
  /** Messages missing over all boots (sequences start at 1 at every boot). */
  missing: number;
  /** Missing ranges of the most recent boots with gaps, at most `maxRanges`. */
  ranges: { boot: number; from: number; to: number }[];
}

/**
 * Sequence gaps per node without scanning every message: node_boots holds per (node, boot)
 * the highest seq and the count of distinct messages, so max_seq - count is what is missing.
 * Ranges are listed only for the few latest boots that have gaps, through the
 * UNIQUE (node, boot, seq) index.
 */
export class NodeGapQueries {
  private readonly boots: Database.Statement;
  private readonly seqs: Database.Statement;

  constructor(db: Database.Database) {
    this.boots = db.prepare("SELECT boot, max_seq AS maxSeq, count FROM node_boots WHERE node = ? ORDER BY boot DESC");
    this.seqs = db.prepare("SELECT seq, LAG(seq, 1, 0) OVER (ORDER BY seq) AS prev FROM messages WHERE node = ? AND boot = ? ORDER BY seq");
  }

  gaps(node: string, maxBoots = 3, maxRanges = 100): NodeGaps {
    const boots = this.boots.all(node) as { boot: number; maxSeq: number; count: number }[];
    let missing = 0;
    const ranges: NodeGaps["ranges"] = [];
    let listed = 0;
    for (const b of boots) {
      const m = b.maxSeq - b.count;
      if (m <= 0) continue;
      missing += m;
      if (listed >= maxBoots) continue;
      listed++;
      const boot: NodeGaps["ranges"] = [];
      for (const r of this.seqs.iterate(node, b.boot) as Iterable<{ seq: number; prev: number }>) {
        if (r.seq > r.prev + 1) boot.push({ boot: b.boot, from: r.prev + 1, to: r.seq - 1 });
      }
      ranges.unshift(...boot);
    }
    return { missing, ranges: ranges.slice(-maxRanges) };
  }
}
