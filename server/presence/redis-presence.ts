import type { Redis } from 'ioredis';
import { orUnavailable } from '../redis-unavailable.js';
import type { Presence } from './presence.js';

/** An instance's counts expire this long after its last heartbeat, so a crashed one stops counting. */
const LEASE_MS = 30_000;
const HEARTBEAT_MS = 10_000;

/**
 * Presence across instances: each instance keeps a hash of socket counts per user under its own key,
 * renewed by a heartbeat; a user is online while any live instance counts a socket of theirs. An
 * instance killed without a goodbye drops out when its lease expires. Queries throw ChatError
 * `unavailable` when Redis is away or does not answer within the command timeout.
 */
export class RedisPresence implements Presence {
  private readonly own: string;
  private readonly instances: string;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    instanceId: string,
  ) {
    this.own = `${prefix}presence:instance:${instanceId}`;
    this.instances = `${prefix}presence:instances`;
    this.heartbeat = setInterval(() => void this.renew().catch(() => undefined), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  connected(userId: string): Promise<boolean> {
    return orUnavailable('presence store', async () => {
      await this.redis.multi().hincrby(this.own, userId, 1).pexpire(this.own, LEASE_MS).sadd(this.instances, this.own).exec();
      return (await this.total(userId)) === 1;
    });
  }

  disconnected(userId: string): Promise<boolean> {
    return orUnavailable('presence store', async () => {
      const left = await this.redis.hincrby(this.own, userId, -1);
      if (left <= 0) await this.redis.hdel(this.own, userId);
      return (await this.total(userId)) === 0;
    });
  }

  async online(userIds: readonly string[]): Promise<Set<string>> {
    const online = new Set<string>();
    if (userIds.length === 0) return online;
    return orUnavailable('presence store', async () => {
      for (const key of await this.liveInstances()) {
        const counts = await this.redis.hmget(key, ...userIds);
        counts.forEach((c, i) => {
          if (Number(c) > 0) online.add(userIds[i] as string);
        });
      }
      return online;
    });
  }

  /** Stops the heartbeat and forgets this instance's sockets (graceful shutdown). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.redis.multi().del(this.own).srem(this.instances, this.own).exec();
  }

  private async total(userId: string): Promise<number> {
    let n = 0;
    for (const key of await this.liveInstances()) n += Number((await this.redis.hget(key, userId)) ?? 0);
    return n;
  }

  /** The instances whose lease is alive; expired ones are dropped from the set. */
  private async liveInstances(): Promise<string[]> {
    const keys = await this.redis.smembers(this.instances);
    const live: string[] = [];
    for (const key of keys) {
      if (await this.redis.exists(key)) live.push(key);
      else if (key !== this.own) await this.redis.srem(this.instances, key);
    }
    return live;
  }

  private async renew(): Promise<void> {
    await this.redis.multi().pexpire(this.own, LEASE_MS).sadd(this.instances, this.own).exec();
  }
}
