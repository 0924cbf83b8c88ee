import type { Store as RateLimitStore } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import type { Cache } from './cache/cache.js';
import { MemoryCache } from './cache/memory-cache.js';
import type { Presence } from './presence/presence.js';
import { MemoryPresence } from './presence/memory-presence.js';

/** What instances share: the bus, the cache, presence and rate-limit counts. */
export interface SharedAdapters {
  readonly bus: Bus;
  readonly cache: Cache;
  readonly presence: Presence;
  readonly rateLimitStore?: (name: string) => RateLimitStore;
  /** Whether the shared state answers (for /readyz). */
  readonly ping: () => Promise<boolean>;
  close(): Promise<void>;
}

/**
 * In-process adapters for a single instance, or Redis ones (ioredis) joining many when `redisUrl` is
 * set. `prefix` namespaces every key and channel, so tests and deployments can share one Redis.
 */
export async function createAdapters(options: {
  redisUrl?: string | undefined;
  prefix?: string;
  logger: Logger;
  /** How long a Redis command may wait for its answer before it fails, in ms (default 2,000). */
  commandTimeoutMs?: number;
}): Promise<SharedAdapters> {
  if (!options.redisUrl) {
    const bus = new MemoryBus();
    const cache = new MemoryCache();
    const presence = new MemoryPresence();
    return {
      bus,
      cache,
      presence,
      ping: async () => true,
      async close() {
        await Promise.allSettled([bus.close(), cache.close(), presence.close()]);
      },
    };
  }
  // Loaded only when asked for: ioredis and its rate-limit store are not small, and a single instance
  // (the embedded default) never uses them.
  const { createRedisAdapters } = await import('./redis-adapters.js');
  return createRedisAdapters({ ...options, redisUrl: options.redisUrl });
}
