import { randomUUID } from 'node:crypto';
import type { Store as RateLimitStore } from 'express-rate-limit';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisStore } from 'rate-limit-redis';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import type { Cache } from './cache/cache.js';
import { MemoryCache } from './cache/memory-cache.js';
import { RedisCache } from './cache/redis-cache.js';
import type { Presence } from './presence/presence.js';
import { MemoryPresence } from './presence/memory-presence.js';
import { RedisPresence } from './presence/redis-presence.js';

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
  const prefix = options.prefix ?? 'chat:';
  const redis = new Redis(options.redisUrl, {
    // Commands while Redis is away fail at once instead of queueing: sends must not wait on the bus.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A Redis that holds the connection open and answers nothing fails each command after this long,
    // rather than hanging the request (or the sign-in limiter) that waits on it.
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
  });
  redis.on('error', (error: Error) => options.logger.warn({ err: error.message }, 'Redis connection'));
  await redis.connect();
  const bus = new RedisBus(redis, prefix, options.logger);
  const cache = new RedisCache(redis, prefix);
  const presence = new RedisPresence(redis, prefix, randomUUID());
  return {
    bus,
    cache,
    presence,
    rateLimitStore: (name) =>
      new RedisStore({
        prefix: `${prefix}ratelimit:${name}:`,
        sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<number>,
      }),
    ping: async () => (await redis.ping().catch(() => null)) === 'PONG',
    async close() {
      await Promise.allSettled([bus.close(), presence.close()]);
      redis.disconnect();
    },
  };
}
