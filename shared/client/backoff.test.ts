import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, jittered between half and all of the nominal delay', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, () => 1, policy))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, () => 0, policy))).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('spreads clients that retry at the same attempt', () => {
    const delays = [0.1, 0.5, 0.9].map((r) => backoffDelay(3, () => r));
    expect(new Set(delays).size).toBe(3);
  });

  it('stays finite for very large attempt counts', () => {
    expect(backoffDelay(10_000, () => 0.5)).toBe(22_500);
  });
});
