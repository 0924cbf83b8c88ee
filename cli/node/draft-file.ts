import { join } from 'node:path';
import type { DraftPersistence } from '../tui/state/drafts.js';
import { SealedFile } from './sealed-file.js';
import type { SecretStore } from './secret-store.js';

/**
 * Where the interactive client keeps the composer's drafts of a profile between runs: one file in
 * CHAT_HOME (`drafts-<account>.bin`), sealed with AES-256-GCM under a random key kept in the
 * SecretStore and written atomically with mode 0600 (see SealedFile), as the outbox is: a draft may
 * be a private room's text. What it holds and how it is bounded: see DraftBook.
 */
export class DraftFile implements DraftPersistence {
  private readonly file: SealedFile;

  constructor(secrets: SecretStore, account: string, home: string) {
    this.file = new SealedFile(secrets, `${account}:drafts-key`, join(home, `drafts-${account.replace(/[^\w-]/g, '_')}.bin`));
  }

  /**
   * The last text written, or null when there is none. A file that does not open (damaged, or its key
   * gone) is renamed to `<file>.damaged-<time>` and read as none, so the next write starts a new one
   * without overwriting what may still be looked into (see SealedFile.readOrSetAside).
   */
  async read(): Promise<string | null> {
    return (await this.file.readOrSetAside()).text;
  }

  /** Replaces the file's text (atomically). */
  write(text: string): Promise<void> {
    return this.file.write(text);
  }

  /** Deletes the file and its key (the device is forgotten). */
  destroy(): Promise<void> {
    return this.file.destroy();
  }
}
