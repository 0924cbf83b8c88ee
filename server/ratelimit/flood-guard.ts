import type { BucketSize } from './keyed-buckets.js';
import { TokenBucket } from './token-bucket.js';

/** How much work sockets may ask for, in frame-cost units (see `frameCost`), and what a flood costs them. */
export interface FrameBudget {
  /** Each socket's own bucket. */
  readonly socket: BucketSize;
  /** One bucket per user, shared by all of that user's sockets on this instance. */
  readonly user: BucketSize;
  /** Refused frames are counted over windows this long (ms). */
  readonly windowMs: number;
  /** A socket refused more than this many frames within one window is closed (4029). */
  readonly maxRefusals: number;
}

/**
 * The defaults: a socket can subscribe two full frames of rooms (1,002) at once and about 200 rooms
 * or 50 sends a second after that; a user's sockets together twice as much. A client that
 * reconnects and resubscribes all its rooms fits; 100 frames of 500 rooms do not.
 */
export const DEFAULT_FRAME_BUDGET: FrameBudget = {
  socket: { burst: 1_200, perSecond: 200 },
  user: { burst: 2_400, perSecond: 400 },
  windowMs: 10_000,
  maxRefusals: 10,
};

/**
 * What to do with a frame: handle it; refuse it and say so (the first refusal of a window); refuse
 * it silently (later ones); or close the socket (too many refusals in one window).
 */
export type Verdict = 'admit' | 'warn' | 'drop' | 'close';

/**
 * One socket's admission control: a frame is admitted only when both the socket's bucket and its
 * user's shared bucket hold its cost, and then both are charged. Refusals are answered with at most
 * one error frame per window, so a flood cannot turn into a flood of error frames back; a socket that
 * keeps pushing past its budget is told to close instead.
 */
export class FloodGuard {
  private readonly own: TokenBucket;
  private windowStart: number;
  private refusals = 0;

  /** Throws RangeError for a socket bucket that can admit nothing (see TokenBucket). */
  constructor(
    private readonly budget: FrameBudget,
    private readonly now: () => number = Date.now,
  ) {
    this.own = new TokenBucket(budget.socket.burst, budget.socket.perSecond, now);
    this.windowStart = now();
  }

  /** Admits `cost` against this socket's bucket and `user`'s (its user's), or says how to refuse. */
  admit(cost: number, user: TokenBucket): Verdict {
    if (this.own.has(cost) && user.has(cost)) {
      this.own.take(cost);
      user.take(cost);
      return 'admit';
    }
    const now = this.now();
    if (now - this.windowStart >= this.budget.windowMs) {
      this.windowStart = now;
      this.refusals = 0;
    }
    this.refusals += 1;
    if (this.refusals > this.budget.maxRefusals) return 'close';
    return this.refusals === 1 ? 'warn' : 'drop';
  }
}
