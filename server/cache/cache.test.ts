import { describe, expect, it } from 'vitest';
import type { Cache } from './cache.js';
import { softCache } from './cache.js';
import { MemoryCache } from './memory-cache.js';

describe('softCache', () => {
  it('reads and writes through a working cache', async () => {
    const cache = new MemoryCache();
    await softCache.set(cache, 'k', 'v', 1000);
    expect(await softCache.get(cache, 'k')).toBe('v');
    await cache.close();
  });

  it('treats a cache that cannot be reached as a miss, and skips the write', async () => {
    const down = new Error('Redis is restarting');
    const broken: Cache = {
      get: () => Promise.reject(down),
      set: () => Promise.reject(down),
      take: () => Promise.reject(down),
      delete: () => Promise.reject(down),
      close: async () => {},
    };
    expect(await softCache.get(broken, 'k')).toBeNull();
    await expect(softCache.set(broken, 'k', 'v', 1000)).resolves.toBeUndefined();
  });
});
