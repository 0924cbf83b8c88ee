import type { Redis } from 'ioredis';
import { orUnavailable } from '../redis-unavailable.js';
import type { Cache } from './cache.js';

/**
 * The Cache in Redis, shared by every instance: tickets, search and summary results. Every method
 * throws ChatError `unavailable` when Redis is away or does not answer within the command timeout.
 */
export class RedisCache implements Cache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get(key: string): Promise<string | null> {
    return orUnavailable('shared cache', () => this.redis.get(this.prefix + key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await orUnavailable('shared cache', () => this.redis.set(this.prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs))));
  }

  /** GETDEL: of concurrent takes on any instances, exactly one gets the value. */
  take(key: string): Promise<string | null> {
    return orUnavailable('shared cache', () => this.redis.getdel(this.prefix + key));
  }

  async delete(key: string): Promise<void> {
    await orUnavailable('shared cache', () => this.redis.del(this.prefix + key));
  }

  async close(): Promise<void> {
    // The connection belongs to whoever made it (server/main.ts).
  }
}
