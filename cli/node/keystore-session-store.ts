import { join } from 'node:path';
import type { SessionStore, StoredSession } from '../../shared/client/index.js';
import { withFileLock } from './file-lock.js';
import type { SecretStore } from './secret-store.js';

/** The session of one profile, kept in a SecretStore; refreshes are serialized with a lock file. */
export class KeystoreSessionStore implements SessionStore {
  constructor(
    private readonly secrets: SecretStore,
    private readonly account: string,
    private readonly home: string,
  ) {}

  async load(): Promise<StoredSession | null> {
    const raw = await this.secrets.get(this.account);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as StoredSession;
    } catch {
      return null;
    }
  }

  save(session: StoredSession): Promise<void> {
    return this.secrets.set(this.account, JSON.stringify(session));
  }

  clear(): Promise<void> {
    return this.secrets.delete(this.account);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(join(this.home, `${this.account.replace(/[^\w-]/g, '_')}.session`), fn);
  }
}
