import { join } from 'node:path';
import { MessageIndex } from '../../shared/search/index.js';
import { withFileLock } from './file-lock.js';
import { SealedFile } from './sealed-file.js';
import type { SecretStore } from './secret-store.js';

/**
 * The search index of this profile's private rooms, kept between runs so that each search fetches
 * and decrypts only what is new. It holds plaintext, so it is a SealedFile (key in the keychain).
 */
export class PrivateIndexFile {
  private readonly file: SealedFile;

  constructor(secrets: SecretStore, account: string, home: string) {
    this.file = new SealedFile(secrets, `${account}:search-key`, join(home, `search-${account.replace(/[^\w-]/g, '_')}.bin`));
  }

  /** Runs `fn` on the index under a lock and saves what it leaves. */
  update<T>(fn: (index: MessageIndex) => Promise<T>): Promise<T> {
    return withFileLock(this.file.path, async (lock) => {
      const index = await this.load();
      const result = await fn(index);
      lock.assertHeld();
      await this.file.write(index.serialize());
      return result;
    });
  }

  /** Forgets the index and its key (sign-out). */
  destroy(): Promise<void> {
    return this.file.destroy();
  }

  private async load(): Promise<MessageIndex> {
    const text = await this.file.read();
    if (text === null) return MessageIndex.empty();
    try {
      return MessageIndex.load(text);
    } catch {
      // An index from another version is rebuilt from the rooms' histories.
      return MessageIndex.empty();
    }
  }
}
