import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';

// A single instance must not load the Redis client or the PostgreSQL driver: the idle embedded server
// would carry their code (~18 MiB of RSS together with the OpenAI SDK). Loading either fails this test.
vi.mock('ioredis', () => {
  throw new Error('ioredis was loaded by a single instance');
});
vi.mock('rate-limit-redis', () => {
  throw new Error('rate-limit-redis was loaded by a single instance');
});

describe('createAdapters without Redis', () => {
  it('makes the in-process adapters without loading ioredis', async () => {
    const { createAdapters } = await import('./adapters.js');
    const shared = await createAdapters({ logger: pino({ level: 'silent' }) });
    expect(await shared.ping()).toBe(true);
    expect(shared.rateLimitStore).toBeUndefined();
    await shared.close();
  });
});
