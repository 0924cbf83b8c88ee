import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';
import { ChatError } from '../../shared/protocol/index.js';

/** What a holder may ask of its lock. */
export interface HeldLock {
  /**
   * Throws ChatError('unavailable') when the lock was lost while held (its directory removed, or not
   * refreshed in time so another process took it): call it right before writing what the lock guards.
   */
  assertHeld(): void;
}

/** Timings of a lock, in milliseconds. */
export interface FileLockOptions {
  /** How long to wait for another holder (default 15 s). */
  readonly timeoutMs?: number;
  /** A lock not refreshed for this long belongs to a process that died (default 20 s); holders
   * refresh theirs every third of it, so a live holder never looks stale. */
  readonly staleMs?: number;
}

/**
 * Runs `fn` holding an exclusive lock on `target` (any path; the lock is the directory
 * `<target>.lock.d`, made and refreshed by proper-lockfile), waiting up to `timeoutMs` for another
 * process to finish. Throws ChatError('unavailable') when the wait runs out, or when the lock was
 * lost before `fn` finished (what `fn` returned is then not to be trusted; `fn` guards its writes
 * with `assertHeld`).
 */
export async function withFileLock<T>(target: string, fn: (lock: HeldLock) => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const staleMs = options.staleMs ?? 20_000;
  const lockPath = `${target}.lock.d`;
  await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 });
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lock(target, {
      lockfilePath: lockPath,
      realpath: false,
      stale: staleMs,
      update: Math.max(100, Math.floor(staleMs / 3)),
      retries: { retries: Math.ceil(timeoutMs / 50), minTimeout: 10, maxTimeout: 50, factor: 1.3, randomize: true },
      onCompromised: (error) => {
        lost = error;
      },
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOCKED') throw new ChatError('unavailable', `another chat command holds ${lockPath}; try again`, { cause: error });
    throw error;
  }
  const held: HeldLock = {
    assertHeld() {
      if (lost) throw new ChatError('unavailable', `the lock ${lockPath} was lost while held (another process took it); nothing was written`, { cause: lost });
    },
  };
  try {
    const result = await fn(held);
    held.assertHeld();
    return result;
  } finally {
    // A lost lock is no longer ours to remove: it may be another holder's now.
    if (!lost) await release().catch(() => undefined);
  }
}
