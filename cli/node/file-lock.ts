import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ChatError } from '../../shared/protocol/index.js';

/** A lock older than this belongs to a process that died holding it. */
const STALE_MS = 30_000;

/**
 * Runs `fn` holding an exclusive lock file, waiting up to `timeoutMs` for another process to finish.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_MS) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new ChatError('unavailable', `another chat command holds ${path}; try again`);
      await new Promise((resolve) => setTimeout(resolve, 25 + Math.random() * 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
