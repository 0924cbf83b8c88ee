import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisStore } from 'rate-limit-redis';
import type { SharedAdapters } from './adapters.js';
import { RedisBus } from './bus/redis-bus.js';
import { RedisCache } from './cache/redis-cache.js';
import { RedisPresence } from './presence/redis-presence.js';

/**
 * The Redis adapters (ioredis) that join many instances: see `createAdapters`, which loads this module
 * only when a Redis URL is configured. Rejects when Redis cannot be reached.
 */
export async function createRedisAdapters(options: { redisUrl: string; prefix?: string; logger: Logger; commandTimeoutMs?: number }): Promise<SharedAdapters> {
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
