import { join } from 'node:path';
import { lock } from 'proper-lockfile';

/** A lock not refreshed for this long was left by a server that died (ms); holders refresh it every 2.5 s. */
const STALE_MS = 10_000;

/** Why the data dir could not be locked: another live server holds it. */
export class DataDirBusy extends Error {
  override readonly name = 'DataDirBusy';
}

/**
 * Takes an exclusive lock on an embedded server's data dir (the directory `<dataDir>/.lock`, made and
 * refreshed by proper-lockfile), so that two servers never open one PGlite database. Resolves to the
 * release. Throws DataDirBusy, naming the data dir, when another live server holds it (a lock left by
 * a server that died frees itself after 10 s); other errors (no permission) as they are. `onLost` is
 * called if the lock is lost while held (its directory removed, or not refreshed in time).
 */
export async function lockDataDir(dataDir: string, onLost: (error: Error) => void): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, '.lock');
  try {
    return await lock(dataDir, { lockfilePath: lockPath, realpath: false, stale: STALE_MS, update: STALE_MS / 4, retries: 0, onCompromised: onLost });
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOCKED') {
      throw new DataDirBusy(`another chat-server is using the data dir ${dataDir} (its lock ${lockPath} is held); stop that one first, or give this one another --data-dir`, { cause: error });
    }
    throw error;
  }
}
