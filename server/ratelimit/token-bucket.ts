/**
 * A token bucket: `capacity` tokens, refilled at `perSecond` (fractions accumulate). Work is admitted
 * by its cost in tokens, so one expensive request counts as much as many cheap ones.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** Throws RangeError unless `capacity` ≥ 1 and `perSecond` > 0. */
  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(capacity >= 1) || !(perSecond > 0)) throw new RangeError(`a token bucket needs capacity ≥ 1 and a positive rate (got ${capacity}, ${perSecond})`);
    this.tokens = capacity;
    this.last = now();
  }

  /** Whether `cost` tokens are there now (nothing is taken). */
  has(cost = 1): boolean {
    this.refill();
    return this.tokens >= cost;
  }

  /** Takes `cost` tokens; false, taking none, when fewer are left. */
  take(cost = 1): boolean {
    if (!this.has(cost)) return false;
    this.tokens -= cost;
    return true;
  }

  /** Whether the bucket is full again: it then holds nothing a fresh bucket would not. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (Math.max(0, now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}
