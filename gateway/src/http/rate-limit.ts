import type { Clock } from "@manure-edge/protocol";

export interface RateLimitOptions {
  /** Attempts allowed in a burst. */
  burst: number;
  /** One attempt is given back every refillMs. */
  refillMs: number;
  /** Addresses remembered at most; the least recently used is forgotten first. */
  maxEntries: number;
}

/**
 * Login attempts per client address: a token bucket per address in a Map used as an LRU
 * (insertion order; a hit re-inserts), so memory stays bounded however many addresses try.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: RateLimitOptions,
  ) {}

  /** Takes one attempt; when none is left, how long until one is. */
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: this.opts.burst, at: now };
    this.buckets.delete(key);
    const refill = Math.floor((now - b.at) / this.opts.refillMs);
    if (refill > 0) {
      b.tokens = Math.min(this.opts.burst, b.tokens + refill);
      b.at = b.tokens === this.opts.burst ? now : b.at + refill * this.opts.refillMs;
    }
    this.buckets.set(key, b);
    while (this.buckets.size > this.opts.maxEntries) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
    if (b.tokens <= 0) return { ok: false, retryAfterMs: Math.max(1, b.at + this.opts.refillMs - now) };
    b.tokens--;
    return { ok: true };
  }

  get size(): number {
    return this.buckets.size;
  }
}
