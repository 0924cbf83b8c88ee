import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Store as RateLimitStore } from 'express-rate-limit';
import { ChatError } from '../../shared/protocol/index.js';
import { claimsOf } from './authenticate.js';

/** A REST limit: `perMinute` requests per key per minute. */
export interface RestRateLimitOptions {
  /** Names the limiter's counters in a shared store (`ratelimit:<name>:` in Redis). */
  readonly name: string;
  /** Requests per key per minute. */
  readonly perMinute: number;
  /** Ends "too many …; wait a minute and try again": what was limited, in the plural ("searches"). */
  readonly what: string;
  /**
   * Whose budget a request spends: `'ip'` (the client's address, for routes before sign-in), `'user'`
   * (the signed-in user: mount after `authenticate`), or a function of the request.
   */
  readonly key: 'ip' | 'user' | ((req: Request, res: Response) => string | Promise<string>);
  /** Where counts are kept: shared (Redis) across instances when given, in-process otherwise. */
  readonly store?: (name: string) => RateLimitStore;
  /** Told of each refusal (metrics). */
  readonly onLimited?: () => void;
}

/**
 * express-rate-limit with the house rules: past the limit the request fails with ChatError
 * `rate_limited` (429) and draft-8 RateLimit headers say when to retry; if the shared store fails,
 * requests pass rather than fail.
 */
export function restRateLimit(options: RestRateLimitOptions): RequestHandler {
  const { key } = options;
  return rateLimit({
    ...(options.store ? { store: options.store(options.name), passOnStoreError: true } : {}),
    windowMs: 60_000,
    limit: options.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // 'ip' keeps the library's own key (the address, IPv6 grouped by subnet).
    ...(key === 'ip' ? {} : { keyGenerator: key === 'user' ? (_req: Request, res: Response) => claimsOf(res).userId : key }),
    handler: (_req, _res, next) => {
      options.onLimited?.();
      next(new ChatError('rate_limited', `too many ${options.what}; wait a minute and try again`));
    },
  });
}
