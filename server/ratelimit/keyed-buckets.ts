import { TokenBucket } from './token-bucket.js';

/** A bucket's size: `burst` tokens at most, refilled at `perSecond`. */
export interface BucketSize {
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * One token bucket per key (a user id), made on first use. A bucket that has refilled completely is
 * the same as a fresh one, so full buckets are dropped whenever the map has doubled since the last
 * sweep: memory follows the keys active lately, and forgetting a key never gives it more tokens.
 */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private sweepAt: number;

  constructor(
    private readonly size: BucketSize,
    private readonly now: () => number = Date.now,
    private readonly minSweep = 1024,
  ) {
    this.sweepAt = minSweep;
  }

  /** The key's bucket. */
  of(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAt) this.sweep();
      bucket = new TokenBucket(this.size.burst, this.size.perSecond, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** How many buckets are kept (for tests). */
  get count(): number {
    return this.buckets.size;
  }

  private sweep(): void {
    for (const [key, bucket] of this.buckets) if (bucket.full) this.buckets.delete(key);
    this.sweepAt = Math.max(this.minSweep, 2 * this.buckets.size);
  }
}
