import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ChatError } from '../../shared/protocol/index.js';
import type { SecretStore } from './secret-store.js';

/**
 * A file of local state that must not be readable at rest (decrypted messages, ratchet state, the
 * private search index): AES-256-GCM under a random key that lives in the SecretStore (the OS
 * keychain, or the passphrase-protected file), written atomically with mode 0600.
 */
export class SealedFile {
  constructor(
    private readonly secrets: SecretStore,
    /** The SecretStore entry holding this file's key. */
    private readonly keyName: string,
    readonly path: string,
  ) {}

  /**
   * The contents, or null when there is no file yet. Throws ChatError('internal') when the file
   * cannot be opened (damaged, or its key is gone from the keystore): see {@link readOrSetAside}
   * for state that can be rebuilt. Errors of the file system and the keystore pass through.
   */
  async read(): Promise<string | null> {
    const opened = await this.open();
    if (opened.kind === 'unreadable') throw opened.error;
    return opened.text;
  }

  /**
   * For state that can be rebuilt (the search index): the contents, or null when there is no file,
   * or, when it cannot be opened (damaged, or written with a key the keystore no longer holds), the
   * file renamed to `<path>.damaged-<time>` (kept, not deleted, for a look at what went wrong) and
   * `setAside` naming where it went; the next write starts a new file. Errors of the file system and
   * the keystore pass through.
   */
  async readOrSetAside(now: Date = new Date()): Promise<{ text: string | null; setAside?: string }> {
    const opened = await this.open();
    if (opened.kind !== 'unreadable') return { text: opened.text };
    const aside = `${this.path}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.path, aside);
    return { text: null, setAside: aside };
  }

  /** Reads and decrypts the file; `unreadable` (with the error read throws) when it cannot be opened. */
  private async open(): Promise<{ kind: 'text'; text: string | null } | { kind: 'unreadable'; error: ChatError }> {
    let sealed: Buffer;
    try {
      sealed = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'text', text: null };
      throw error;
    }
    const key = await this.key(false);
    if (!key) return { kind: 'unreadable', error: new ChatError('internal', `the key of ${this.path} is missing from the keystore; sign in again`) };
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      return { kind: 'text', text: Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8') };
    } catch (error) {
      return { kind: 'unreadable', error: new ChatError('internal', `${this.path} is damaged or was written with another key`, { cause: error }) };
    }
  }

  async write(text: string): Promise<void> {
    const key = (await this.key(true)) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, Buffer.concat([iv, ct, cipher.getAuthTag()]), { mode: 0o600 });
    await rename(tmp, this.path);
  }

  /** Deletes the file, any copies of it set aside (see readOrSetAside), and its key. */
  async destroy(): Promise<void> {
    await this.secrets.delete(this.keyName);
    await rm(this.path, { force: true });
    const names = await readdir(dirname(this.path)).catch(() => [] as string[]);
    const aside = `${basename(this.path)}.damaged-`;
    for (const name of names) if (name.startsWith(aside)) await rm(join(dirname(this.path), name), { force: true });
  }

  private async key(create: boolean): Promise<Buffer | null> {
    const existing = await this.secrets.get(this.keyName);
    if (existing) return Buffer.from(existing, 'base64');
    if (!create) return null;
    const key = randomBytes(32);
    await this.secrets.set(this.keyName, key.toString('base64'));
    return key;
  }
}
