import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RootDatabase } from 'lmdb';
import type { E2EKind, E2ERecordKinds, E2EStore, E2ETransaction } from '../../shared/client/index.js';
import { BufferedTransaction, decodeRecord, encodeRecord, migrateLegacyState } from '../../shared/client/index.js';
import type { DeviceKeys, ExportedDeviceKeys } from '../../shared/crypto/index.js';
import { exportDeviceKeys, importDeviceKeys } from '../../shared/crypto/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import { withFileLock } from './file-lock.js';
import type { HeldLock } from './file-lock.js';
import { LegacyE2EFile } from './legacy-e2e-file.js';
import type { SecretStore } from './secret-store.js';

type Key = [E2EKind, string];

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The CLI's end-to-end store. The device's private keys are in the SecretStore (OS keychain or the
 * encrypted file). Every other record — plaintexts, inbound chains, outbound chains, … — is one
 * entry of an LMDB database in CHAT_HOME (`e2e-<account>.mdb`, keyed `[kind, key]`), its value sealed
 * with AES-256-GCM under a random key kept in the SecretStore, with the kind and key as associated
 * data so no record can stand in for another. LMDB lets several processes read and write one
 * database; a transaction holds a file lock (`withFileLock`) while `fn` runs, buffers its writes
 * and applies them in one LMDB write transaction, after checking the lock is still held.
 *
 * On first use it moves the sealed file of earlier versions (`LegacyE2EFile`) in, then removes it.
 */
export class LmdbE2EStore implements E2EStore {
  /** The database file (LMDB keeps `<path>-lock` beside it). */
  readonly path: string;
  private readonly legacy: LegacyE2EFile;
  private db: Promise<RootDatabase<Buffer, Key>> | undefined;
  private sealingKey: Buffer | undefined;
  private migration: Promise<void> | undefined;
  /** Transactions of this instance run one after another before taking the file lock. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly secrets: SecretStore,
    private readonly account: string,
    private readonly home: string,
  ) {
    this.path = join(home, `e2e-${account.replace(/[^\w-]/g, '_')}.mdb`);
    this.legacy = new LegacyE2EFile(secrets, account, home);
  }

  async loadDevice(): Promise<DeviceKeys | null> {
    const raw = await this.secrets.get(`${this.account}:device`);
    return raw ? importDeviceKeys(JSON.parse(raw) as ExportedDeviceKeys) : null;
  }

  async saveDevice(keys: DeviceKeys): Promise<void> {
    await this.secrets.set(`${this.account}:device`, JSON.stringify(await exportDeviceKeys(keys)));
  }

  async get<K extends E2EKind>(kind: K, key: string): Promise<E2ERecordKinds[K] | undefined> {
    await this.migrated();
    const db = await this.open();
    const sealed = db.get([kind, key]);
    if (sealed === undefined) return undefined;
    return this.unseal(await this.key(false), kind, key, sealed);
  }

  transaction<T>(fn: (tx: E2ETransaction) => Promise<T>): Promise<T> {
    return this.migrated().then(() => this.exclusive(fn));
  }

  /** Forgets the device: its keys, its records and their key, and any file of earlier versions (sign-out). */
  async destroy(): Promise<void> {
    await withFileLock(this.path, async () => {
      if (this.db) await (await this.db).close();
      this.db = undefined;
      this.sealingKey = undefined;
      await this.secrets.delete(`${this.account}:device`);
      await this.secrets.delete(this.keyName);
      await rm(this.path, { force: true });
      await rm(`${this.path}-lock`, { force: true });
      await this.legacy.destroy();
    });
  }

  /** Closes the database (the store opens it again on next use). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) await (await db).close();
  }

  private get keyName(): string {
    return `${this.account}:records-key`;
  }

  private exclusive<T>(fn: (tx: E2ETransaction) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => withFileLock(this.path, (lock) => this.apply(lock, fn)));
    this.tail = run.catch(() => {});
    return run;
  }

  private async apply<T>(lock: HeldLock, fn: (tx: E2ETransaction) => Promise<T>): Promise<T> {
    const db = await this.open();
    // Under the lock, so two processes never make two keys.
    const key = await this.key(true);
    db.resetReadTxn();
    const tx = new BufferedTransaction(async (kind, id) => {
      const sealed = db.get([kind, id]);
      return sealed === undefined ? undefined : this.unseal(key, kind, id, sealed);
    });
    const result = await fn(tx);
    const writes = await Promise.all(
      tx.writes().map(async (w) => ({
        id: [w.kind, w.key] as Key,
        sealed: w.value === undefined ? undefined : this.seal(key, w.kind, w.key, (await encodeRecord(w.kind, w.value, 'export')).json),
      })),
    );
    if (writes.length === 0) return result;
    lock.assertHeld();
    db.transactionSync(() => {
      for (const w of writes) {
        if (w.sealed === undefined) db.removeSync(w.id);
        else db.putSync(w.id, w.sealed);
      }
    });
    return result;
  }

  /** Moves an earlier version's sealed file in, once per process; a no-op once it is gone. */
  private migrated(): Promise<void> {
    this.migration ??= (async () => {
      const exists = await stat(this.legacy.path).then(
        () => true,
        () => false,
      );
      if (!exists) return;
      await this.exclusive(async (tx) => {
        // Another process may have moved it in already and not yet removed the file.
        if ((await tx.get('meta', 'migrated')) === 1) return;
        const state = await this.legacy.read();
        if (state) await migrateLegacyState(tx, state);
      });
      await this.legacy.destroy();
    })();
    this.migration.catch(() => {
      this.migration = undefined;
    });
    return this.migration;
  }

  private open(): Promise<RootDatabase<Buffer, Key>> {
    this.db ??= (async () => {
      await mkdir(this.home, { recursive: true, mode: 0o700 });
      // Imported when first needed: `chat --help` and open rooms never load the native binding.
      const { open } = await import('lmdb');
      const db = open<Buffer, Key>({ path: this.path, encoding: 'binary', compression: false });
      await chmod(this.path, 0o600).catch(() => undefined);
      return db;
    })();
    return this.db;
  }

  private async key(create: boolean): Promise<Buffer> {
    if (this.sealingKey) return this.sealingKey;
    const existing = await this.secrets.get(this.keyName);
    if (existing) {
      this.sealingKey = Buffer.from(existing, 'base64');
    } else if (create) {
      const fresh = randomBytes(32);
      await this.secrets.set(this.keyName, fresh.toString('base64'));
      this.sealingKey = fresh;
    } else {
      throw new ChatError('internal', `the key of ${this.path} is missing from ${this.secrets.description}; sign in again`);
    }
    return this.sealingKey;
  }

  private seal(key: Buffer, kind: E2EKind, id: string, json: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associated(kind, id));
    return Buffer.concat([iv, cipher.update(json, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  }

  private async unseal<K extends E2EKind>(key: Buffer, kind: K, id: string, sealed: Buffer): Promise<E2ERecordKinds[K]> {
    let json: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(associated(kind, id));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      json = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new ChatError('internal', `the ${kind} record "${id}" in ${this.path} is damaged or was sealed for another record`, { cause: error });
    }
    return decodeRecord(kind, json);
  }
}

/** A record's kind and key, bound into its seal. */
function associated(kind: E2EKind, id: string): Buffer {
  return Buffer.from(JSON.stringify([kind, id]), 'utf8');
}
