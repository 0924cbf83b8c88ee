import { describe, expect, it } from 'vitest';
import type { FrameBudget } from './flood-guard.js';
import { DEFAULT_FRAME_BUDGET, FloodGuard } from './flood-guard.js';
import { KeyedBuckets } from './keyed-buckets.js';

const SUBSCRIBE_500 = 501; // one frame naming 500 rooms
const budget: FrameBudget = { socket: { burst: 1_200, perSecond: 200 }, user: { burst: 2_400, perSecond: 400 }, windowMs: 10_000, maxRefusals: 10 };

/** Floods `frames` subscribe frames per socket, spread evenly over `seconds`, and counts what each socket got admitted. */
function flood(sockets: readonly { guard: FloodGuard; user: string }[], users: KeyedBuckets, clock: { now: number }, seconds: number, framesPerSecond: number) {
  const admitted = sockets.map(() => 0);
  const verdicts = sockets.map(() => [] as string[]);
  const step = 1000 / framesPerSecond;
  for (let t = 0; t < seconds * 1000; t += step) {
    clock.now = t;
    sockets.forEach((s, i) => {
      const v = s.guard.admit(SUBSCRIBE_500, users.of(s.user));
      verdicts[i]?.push(v);
      if (v === 'admit') admitted[i] = (admitted[i] ?? 0) + SUBSCRIBE_500;
    });
  }
  return { admitted, verdicts };
}

describe('FloodGuard', () => {
  it('admits no more cost per socket than its burst plus its rate, however fast the frames come', () => {
    const clock = { now: 0 };
    const users = new KeyedBuckets(budget.user, () => clock.now);
    const socket = { guard: new FloodGuard({ ...budget, maxRefusals: Infinity }, () => clock.now), user: 'mallory' };
    const { admitted } = flood([socket], users, clock, 10, 100); // 1,000 frames of 500 rooms in 10 s
    expect(admitted[0]).toBeLessThanOrEqual(budget.socket.burst + 10 * budget.socket.perSecond);
    expect(admitted[0]).toBeGreaterThanOrEqual(budget.socket.burst + 9 * budget.socket.perSecond - SUBSCRIBE_500);
  });

  it('admits no more cost per user than the user’s burst plus rate, across all that user’s sockets', () => {
    const clock = { now: 0 };
    const users = new KeyedBuckets(budget.user, () => clock.now);
    const guard = () => new FloodGuard({ ...budget, maxRefusals: Infinity }, () => clock.now);
    const mallory = Array.from({ length: 5 }, () => ({ guard: guard(), user: 'mallory' }));
    const bob = { guard: guard(), user: 'bob' };
    const { admitted } = flood([...mallory, bob], users, clock, 10, 100);
    const malloryTotal = admitted.slice(0, 5).reduce((a, b) => a + b, 0);
    expect(malloryTotal).toBeLessThanOrEqual(budget.user.burst + 10 * budget.user.perSecond);
    // Bob floods as hard from one socket and still gets his own socket's share: users do not share.
    expect(admitted[5]).toBeGreaterThanOrEqual(budget.socket.burst + 9 * budget.socket.perSecond - SUBSCRIBE_500);
  });

  it('warns once per window, drops the rest silently, and closes past the refusal limit', () => {
    const clock = { now: 0 };
    const users = new KeyedBuckets(budget.user, () => clock.now);
    const socket = { guard: new FloodGuard(budget, () => clock.now), user: 'mallory' };
    const { verdicts } = flood([socket], users, clock, 1, 100);
    const v = verdicts[0] ?? [];
    expect(v.slice(0, 2)).toEqual(['admit', 'admit']);
    expect(v.slice(2, 12)).toEqual(['warn', ...Array<string>(9).fill('drop')]);
    expect(v[12]).toBe('close');
  });

  it('sizes the defaults so that a reconnect resubscribing 1,000 rooms fits a socket’s burst', () => {
    const users = new KeyedBuckets(DEFAULT_FRAME_BUDGET.user, () => 0);
    const guard = new FloodGuard(DEFAULT_FRAME_BUDGET, () => 0);
    expect([guard.admit(SUBSCRIBE_500, users.of('u')), guard.admit(SUBSCRIBE_500, users.of('u'))]).toEqual(['admit', 'admit']);
  });
});

describe('KeyedBuckets', () => {
  it('forgets only buckets that have refilled, so forgetting never gives tokens back', () => {
    let now = 0;
    const buckets = new KeyedBuckets({ burst: 10, perSecond: 1 }, () => now, 4);
    buckets.of('busy').take(10);
    for (const key of ['a', 'b', 'c']) buckets.of(key);
    buckets.of('d'); // the fifth key: a sweep drops the idle, full ones
    expect(buckets.count).toBe(2);
    expect(buckets.of('busy').has(1)).toBe(false);
    now += 10_000;
    expect(buckets.of('busy').has(10)).toBe(true);
  });
});
