import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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

  /** The contents, or null when there is no file yet. */
  async read(): Promise<string | null> {
    let sealed: Buffer;
    try {
      sealed = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const key = await this.key(false);
    if (!key) throw new ChatError('internal', `the key of ${this.path} is missing from the keystore; sign in again`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new ChatError('internal', `${this.path} is damaged or was written with another key`, { cause: error });
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

  /** Deletes the file and its key. */
  async destroy(): Promise<void> {
    await this.secrets.delete(this.keyName);
    await rm(this.path, { force: true });
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
