import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('admits a burst up to capacity, then refills at the given rate', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 500; // one token back
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 60_000; // never more than capacity
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it('admits work by cost: an expensive take counts as many cheap ones, and a refused one takes nothing', () => {
    let now = 0;
    const bucket = new TokenBucket(100, 10, () => now);
    expect(bucket.take(60)).toBe(true);
    expect(bucket.take(60)).toBe(false); // 40 left: refused whole
    expect(bucket.take(40)).toBe(true);
    now += 1_000; // 10 back
    expect(bucket.has(11)).toBe(false);
    expect(bucket.take(10)).toBe(true);
    expect(bucket.full).toBe(false);
    now += 10_000;
    expect(bucket.full).toBe(true);
  });

  it('refuses a bucket that could never admit anything', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(10, 0)).toThrow(RangeError);
  });
});
