import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, tempDir } from '../../test/support/binaries.js';
import { withFileLock } from './file-lock.js';
import type { HeldLock } from './file-lock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withFileLock', () => {
  it('runs holders one at a time and releases on failure', async () => {
    const path = join(await tempDir('lock'), 'x');
    const log: string[] = [];
    const holder = (name: string, fail = false) =>
      withFileLock(path, async () => {
        log.push(`${name}+`);
        await sleep(30);
        log.push(`${name}-`);
        if (fail) throw new Error('boom');
      });
    const results = await Promise.allSettled([holder('a', true), holder('b'), holder('c')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    for (let i = 0; i < log.length; i += 2) expect(log[i]?.[0]).toBe(log[i + 1]?.[0]);
  });

  it('never gives a live lock away, however long it is held past the stale age', async () => {
    const path = join(await tempDir('lock'), 'x');
    const log: string[] = [];
    const staleMs = 300;
    const first = withFileLock(
      path,
      async () => {
        log.push('a+');
        await sleep(staleMs * 4);
        log.push('a-');
      },
      { staleMs },
    );
    await eventually(() => log.includes('a+') || undefined, 'the first holder');
    const second = withFileLock(
      path,
      async () => {
        log.push('b+');
        log.push('b-');
      },
      { staleMs },
    );
    await Promise.all([first, second]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-']);
  });

  it('tells a holder whose lock was taken from it before it writes, and leaves the new holder its lock', async () => {
    const path = join(await tempDir('lock'), 'x');
    let lock: HeldLock | undefined;
    let wrote = false;
    const holder = withFileLock(
      path,
      async (held) => {
        lock = held;
        await rm(`${path}.lock.d`, { recursive: true });
        await eventually(() => {
          try {
            held.assertHeld();
            return undefined;
          } catch {
            return true;
          }
        }, 'the loss of the lock');
        held.assertHeld();
        wrote = true;
      },
      { staleMs: 300 },
    );
    await expect(holder).rejects.toMatchObject({ name: 'ChatError', code: 'unavailable' });
    expect(lock).toBeDefined();
    expect(wrote).toBe(false);
    // The lock is free again for the next holder.
    expect(await withFileLock(path, async () => 'next')).toBe('next');
  });
});
