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

  /**
   * `onRebuild` is told, once, when the file on disk could not be opened (damaged, or sealed with a
   * key the keystore no longer holds): it was renamed to `setAside` and the index is rebuilt from the
   * rooms' histories.
   */
  constructor(
    secrets: SecretStore,
    account: string,
    home: string,
    private readonly onRebuild: (notice: { path: string; setAside: string }) => void = () => {},
  ) {
    this.file = new SealedFile(secrets, `${account}:search-key`, join(home, `search-${account.replace(/[^\w-]/g, '_')}.bin`));
  }

  /**
   * Runs `fn` on the index under a lock and saves what it leaves. An index that cannot be opened is
   * set aside (see the constructor) and `fn` gets an empty one, which the search fills again.
   */
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
    const { text, setAside } = await this.file.readOrSetAside();
    if (setAside !== undefined) this.onRebuild({ path: this.file.path, setAside });
    if (text === null) return MessageIndex.empty();
    try {
      return MessageIndex.load(text);
    } catch {
      // An index from another version is rebuilt from the rooms' histories.
      return MessageIndex.empty();
    }
  }
}
