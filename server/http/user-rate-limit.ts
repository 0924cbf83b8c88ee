import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Store as RateLimitStore } from 'express-rate-limit';
import { ChatError } from '../../shared/protocol/index.js';
import { claimsOf } from './authenticate.js';

/** A per-user REST limit. */
export interface UserRateLimitOptions {
  /** Names the limiter's counters in a shared store (`ratelimit:<name>:` in Redis). */
  readonly name: string;
  /** Requests per user per minute. */
  readonly perMinute: number;
  /** Ends "too many …; wait a minute and try again": what was limited, in the plural ("searches"). */
  readonly what: string;
  /** Where counts are kept: shared (Redis) across instances when given, in-process otherwise. */
  readonly store?: (name: string) => RateLimitStore;
  /** Told of each refusal (metrics). */
  readonly onLimited?: () => void;
}

/**
 * express-rate-limit keyed by the signed-in user (mount after `authenticate`): past the limit the
 * request fails with ChatError `rate_limited` (429) and draft-8 RateLimit headers say when to retry.
 * If the shared store fails, requests pass rather than fail.
 */
export function userRateLimit(options: UserRateLimitOptions): RequestHandler {
  return rateLimit({
    ...(options.store ? { store: options.store(options.name), passOnStoreError: true } : {}),
    windowMs: 60_000,
    limit: options.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => claimsOf(res).userId,
    handler: (_req, _res, next) => {
      options.onLimited?.();
      next(new ChatError('rate_limited', `too many ${options.what}; wait a minute and try again`));
    },
  });
}
