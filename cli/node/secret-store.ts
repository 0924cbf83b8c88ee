import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as Keyring from '@napi-rs/keyring';
import { ChatError } from '../../shared/protocol/index.js';
import { withFileLock } from './file-lock.js';

/** Where device secrets and refresh tokens are kept. */
export type SecretBackend = 'keychain' | 'file';

/** A small secret store: one string per account. */
export interface SecretStore {
  readonly backend: SecretBackend;
  /** Says where, for messages like "credentials in the OS keychain". */
  readonly description: string;
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  delete(account: string): Promise<void>;
}

const SERVICE = 'chat-cli';

/** The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager) via @napi-rs/keyring. */
export class KeychainStore implements SecretStore {
  readonly backend = 'keychain';
  readonly description = 'the OS keychain';

  private constructor(private readonly keyring: typeof Keyring) {}

  /** The keychain if one answers here, else null (a headless machine has none). */
  static async open(): Promise<KeychainStore | null> {
    let keyring: typeof Keyring;
    try {
      keyring = await import('@napi-rs/keyring');
      new keyring.Entry(SERVICE, 'probe').getPassword();
    } catch {
      return null;
    }
    return new KeychainStore(keyring);
  }

  async get(account: string): Promise<string | null> {
    return keychainCall(() => new this.keyring.Entry(SERVICE, account).getPassword() ?? null);
  }

  async set(account: string, value: string): Promise<void> {
    keychainCall(() => new this.keyring.Entry(SERVICE, account).setPassword(value));
  }

  async delete(account: string): Promise<void> {
    try {
      new this.keyring.Entry(SERVICE, account).deletePassword();
    } catch {
      // Nothing stored: nothing to delete.
    }
  }
}

function keychainCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new ChatError(
      'unavailable',
      `the OS keychain refused (${(error as Error).message}); to use an encrypted file instead set CHAT_KEYSTORE=file and CHAT_KEYSTORE_PASSPHRASE`,
      { cause: error },
    );
  }
}

interface SealedEntry {
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
}

interface SecretsFile {
  readonly v: 1;
  readonly salt: string;
  /** A sealed constant, to tell a wrong passphrase from a damaged file. */
  readonly check: SealedEntry;
  readonly entries: Record<string, SealedEntry>;
}

const CHECK_TEXT = 'chat-cli secrets v1';
// scrypt cost: about 50 ms here, paid once per command.
const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

function deriveKey(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(passphrase, salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));
}

function seal(key: Buffer, account: string, value: string): SealedEntry {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(account));
  const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

function open(key: Buffer, account: string, entry: SealedEntry): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(entry.iv, 'base64'));
  decipher.setAAD(Buffer.from(account));
  decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(entry.ct, 'base64')), decipher.final()]).toString('utf8');
}

/**
 * Secrets in one file, each entry AES-256-GCM sealed (bound to its account name) under a key derived
 * with scrypt from CHAT_KEYSTORE_PASSPHRASE. For machines with no keychain. Every write is a
 * read-modify-write under a file lock, so processes writing at once lose none of each other's entries.
 */
export class EncryptedFileStore implements SecretStore {
  readonly backend = 'file';
  readonly description: string;
  private key: Promise<{ key: Buffer; file: SecretsFile }> | undefined;

  constructor(
    private readonly path: string,
    private readonly passphrase: string,
  ) {
    this.description = `an encrypted file (${path})`;
  }

  async get(account: string): Promise<string | null> {
    const { key } = await this.unlock();
    // Read the file now: this or another process may have written since it was unlocked.
    const entry = (await this.read())?.entries[account];
    if (!entry) return null;
    try {
      return open(key, account, entry);
    } catch (error) {
      throw new ChatError('internal', `the secrets file ${this.path} is damaged`, { cause: error });
    }
  }

  async set(account: string, value: string): Promise<void> {
    await withFileLock(this.path, async (lock) => {
      let unlocked = await this.unlock();
      const file = await this.read(); // re-read under the lock: another process may have written meanwhile
      if (file && file.salt !== unlocked.file.salt) {
        // Another process made the file after this one looked: use its salt, so one key seals every entry.
        this.key = undefined;
        unlocked = await this.unlock();
      }
      const base = file ?? unlocked.file;
      lock.assertHeld();
      await this.write({ ...base, entries: { ...base.entries, [account]: seal(unlocked.key, account, value) } });
    });
  }

  async delete(account: string): Promise<void> {
    await withFileLock(this.path, async (lock) => {
      const file = await this.read();
      if (!file?.entries[account]) return;
      const entries = { ...file.entries };
      delete entries[account];
      lock.assertHeld();
      await this.write({ ...file, entries });
    });
  }

  private unlock(): Promise<{ key: Buffer; file: SecretsFile }> {
    this.key ??= (async () => {
      const existing = await this.read();
      if (existing) {
        const key = await deriveKey(this.passphrase, Buffer.from(existing.salt, 'base64'));
        try {
          if (open(key, '', existing.check) !== CHECK_TEXT) throw new Error('check mismatch');
        } catch (error) {
          throw new ChatError('unauthorized', `CHAT_KEYSTORE_PASSPHRASE does not open ${this.path}`, { cause: error });
        }
        return { key, file: existing };
      }
      const salt = randomBytes(16);
      const key = await deriveKey(this.passphrase, salt);
      return { key, file: { v: 1, salt: salt.toString('base64'), check: seal(key, '', CHECK_TEXT), entries: {} } };
    })();
    return this.key;
  }

  private async read(): Promise<SecretsFile | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return JSON.parse(text) as SecretsFile;
    } catch (error) {
      throw new ChatError('internal', `the secrets file ${this.path} is damaged`, { cause: error });
    }
  }

  private async write(file: SecretsFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(file), { mode: 0o600 });
    await rename(tmp, this.path);
  }
}

/**
 * Opens the store a profile uses: the one recorded at sign-in, else `CHAT_KEYSTORE` if set, else the
 * OS keychain if one answers, else the encrypted file if a passphrase is given. Neither: a clear error.
 */
export async function openSecretStore(options: {
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly recorded?: SecretBackend | undefined;
}): Promise<SecretStore> {
  const wanted = options.recorded ?? parseBackend(options.env.CHAT_KEYSTORE);
  const passphrase = options.env.CHAT_KEYSTORE_PASSPHRASE;
  const file = () => {
    if (!passphrase) {
      throw new ChatError(
        'unauthorized',
        'credentials are kept in an encrypted file here, and CHAT_KEYSTORE_PASSPHRASE is not set: set it to the passphrase used at sign-in',
      );
    }
    return new EncryptedFileStore(join(options.home, 'secrets.enc'), passphrase);
  };
  if (wanted === 'file') return file();
  const keychain = await KeychainStore.open();
  if (keychain) return keychain;
  if (wanted === 'keychain') throw new ChatError('unavailable', 'the OS keychain does not answer (is a Secret Service running and unlocked?)');
  if (passphrase) return file();
  throw new ChatError(
    'unavailable',
    'no OS keychain answers on this machine: set CHAT_KEYSTORE_PASSPHRASE to keep credentials in an encrypted file in CHAT_HOME instead',
  );
}

function parseBackend(value: string | undefined): SecretBackend | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'file' || value === 'keychain') return value;
  throw new ChatError('invalid_request', `CHAT_KEYSTORE is "file" or "keychain", not "${value}"`);
}

/** A stable account name for a profile in a given CHAT_HOME, so homes sharing one keychain never collide. */
export function secretAccount(home: string, profile: string): string {
  return `${createHash('sha256').update(home).digest('hex').slice(0, 12)}:${profile}`;
}
