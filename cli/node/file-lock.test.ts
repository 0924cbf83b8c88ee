import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/binaries.js';
import { withFileLock } from './file-lock.js';

describe('withFileLock', () => {
  it('runs holders one at a time and releases on failure', async () => {
    const path = join(await tempDir('lock'), 'x.lock');
    const log: string[] = [];
    const holder = (name: string, fail = false) =>
      withFileLock(path, async () => {
        log.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 30));
        log.push(`${name}-`);
        if (fail) throw new Error('boom');
      });
    const results = await Promise.allSettled([holder('a', true), holder('b'), holder('c')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    for (let i = 0; i < log.length; i += 2) expect(log[i]?.[0]).toBe(log[i + 1]?.[0]);
  });
});
