import type { E2EKind, E2ERecordKinds, E2EStore, E2ETransaction, E2EWrite, LegacyE2EState } from '../../shared/client/index.js';
import { BufferedTransaction, decodeRecord, encodeRecord, migrateLegacyState } from '../../shared/client/index.js';
import type { DeviceKeys } from '../../shared/crypto/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import { done, openDatabase, request, storedAesKey } from './lib/indexeddb.js';

/** The database of earlier versions: one record per device holding its keys and whole state. */
const LEGACY_DB = 'chat-e2e';
const LEGACY_STORE = 'devices';
/** Object stores of a device's database. */
const RECORDS = 'records';
const DEVICE = 'device';
const SEALING = 'sealing';

/** A record as IndexedDB holds it: the sealed JSON, and the record's CryptoKeys kept as they are. */
interface StoredRecord {
  readonly sealed: ArrayBuffer;
  readonly keys?: CryptoKeyPair;
}

/** A record of the earlier database. */
interface LegacyRow {
  readonly device: DeviceKeys | null;
  readonly state: LegacyE2EState;
}

/** The database of earlier versions, or null when there is none (opening it never makes one). */
async function openLegacy(): Promise<IDBDatabase | null> {
  const req = indexedDB.open(LEGACY_DB);
  req.onupgradeneeded = () => req.transaction?.abort();
  try {
    const db = await request(req);
    if (db.objectStoreNames.contains(LEGACY_STORE)) return db;
    db.close();
    return null;
  } catch {
    return null;
  }
}

/** A record's kind and key, bound into its seal. */
const associated = (kind: E2EKind, key: string) => new TextEncoder().encode(JSON.stringify([kind, key]));

/**
 * The browser's end-to-end store: one IndexedDB database per device (`chat-e2e-<deviceId>`). The
 * device's keys are non-extractable CryptoKeys, which IndexedDB keeps as they are and no script can
 * export. Every other record is its own entry of the `records` object store, keyed `[kind, key]`,
 * its JSON sealed with AES-GCM under a non-extractable key kept in the same database (the kind and
 * key as associated data), with the record's own CryptoKeys (a sending chain's signing pair) beside.
 *
 * IndexedDB commits a transaction as soon as a task passes with no request open, so it cannot span
 * WebCrypto: a transaction runs under a Web Lock (one tab at a time) and applies its buffered
 * writes in one readwrite IndexedDB transaction. The first use moves the record of earlier versions
 * (`chat-e2e`, one record per device) in, then deletes it.
 */
export class IndexedDbE2EStore implements E2EStore {
  private db: Promise<IDBDatabase> | undefined;
  private key: Promise<CryptoKey> | undefined;
  private migration: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly deviceId: string) {}

  /** The device's database name. */
  get name(): string {
    return `chat-e2e-${this.deviceId}`;
  }

  async loadDevice(): Promise<DeviceKeys | null> {
    await this.migrated();
    const db = await this.open();
    return ((await request(db.transaction(DEVICE, 'readonly').objectStore(DEVICE).get('keys'))) as DeviceKeys | undefined) ?? null;
  }

  async saveDevice(keys: DeviceKeys): Promise<void> {
    await this.migrated();
    const db = await this.open();
    const tx = db.transaction(DEVICE, 'readwrite');
    tx.objectStore(DEVICE).put(keys, 'keys');
    await done(tx);
  }

  async get<K extends E2EKind>(kind: K, key: string): Promise<E2ERecordKinds[K] | undefined> {
    await this.migrated();
    return this.read(kind, key);
  }

  transaction<T>(fn: (tx: E2ETransaction) => Promise<T>): Promise<T> {
    return this.migrated().then(() => this.exclusive(fn));
  }

  /** Forgets this device: its keys and records (sign-out). */
  async destroy(): Promise<void> {
    if (this.db) (await this.db).close();
    this.db = undefined;
    this.key = undefined;
    await request(indexedDB.deleteDatabase(this.name));
    const legacy = await openLegacy();
    if (legacy) {
      const tx = legacy.transaction(LEGACY_STORE, 'readwrite');
      tx.objectStore(LEGACY_STORE).delete(this.deviceId);
      await done(tx);
      legacy.close();
    }
  }

  private exclusive<T>(fn: (tx: E2ETransaction) => Promise<T>): Promise<T> {
    const work = async () => {
      const tx = new BufferedTransaction((kind, key) => this.read(kind, key));
      const result = await fn(tx);
      await this.apply(tx.writes());
      return result;
    };
    const run: Promise<T> = this.tail.then(async () => (navigator.locks ? ((await navigator.locks.request(this.name, work)) as T) : work()));
    this.tail = run.catch(() => {});
    return run;
  }

  private async apply(writes: readonly E2EWrite[], device?: DeviceKeys): Promise<void> {
    if (writes.length === 0 && !device) return;
    const key = await this.sealingKey();
    // Sealed first: WebCrypto must not run inside the IndexedDB transaction.
    const stored = await Promise.all(writes.map(async (w) => ({ id: [w.kind, w.key], record: w.value === undefined ? undefined : await this.seal(key, w.kind, w.key, w.value) })));
    const db = await this.open();
    const tx = db.transaction([RECORDS, DEVICE], 'readwrite');
    const records = tx.objectStore(RECORDS);
    for (const s of stored) {
      if (s.record === undefined) records.delete(s.id);
      else records.put(s.record, s.id);
    }
    if (device) tx.objectStore(DEVICE).put(device, 'keys');
    await done(tx);
  }

  private async read<K extends E2EKind>(kind: K, key: string): Promise<E2ERecordKinds[K] | undefined> {
    const db = await this.open();
    const stored = (await request(db.transaction(RECORDS, 'readonly').objectStore(RECORDS).get([kind, key]))) as StoredRecord | undefined;
    if (!stored) return undefined;
    let json: string;
    try {
      const iv = new Uint8Array(stored.sealed, 0, 12);
      const ct = new Uint8Array(stored.sealed, 12);
      json = new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: associated(kind, key) }, await this.sealingKey(), ct));
    } catch (error) {
      throw new ChatError('internal', `the ${kind} record "${key}" is damaged or was sealed for another record`, { cause: error });
    }
    return decodeRecord(kind, json, stored.keys);
  }

  private async seal<K extends E2EKind>(sealingKey: CryptoKey, kind: K, key: string, value: E2ERecordKinds[K]): Promise<StoredRecord> {
    const { json, keys } = await encodeRecord(kind, value, 'keep');
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: associated(kind, key) }, sealingKey, new TextEncoder().encode(json)));
    const sealed = new Uint8Array(12 + ct.length);
    sealed.set(iv);
    sealed.set(ct, 12);
    return keys ? { sealed: sealed.buffer, keys } : { sealed: sealed.buffer };
  }

  /** The database's AES-GCM key, made (non-extractable) on first use; the first tab to add it wins. */
  private sealingKey(): Promise<CryptoKey> {
    this.key ??= this.open().then((db) => storedAesKey(db, SEALING, 'key'));
    this.key.catch(() => {
      this.key = undefined;
    });
    return this.key;
  }

  private open(): Promise<IDBDatabase> {
    // Another tab deleting the database (sign-out) must not wait on this one.
    this.db ??= openDatabase(
      this.name,
      1,
      (db) => {
        for (const store of [RECORDS, DEVICE, SEALING]) db.createObjectStore(store);
      },
      () => {
        this.db = undefined;
        this.key = undefined;
      },
    );
    this.db.catch(() => {
      this.db = undefined;
    });
    return this.db;
  }

  /** Moves the earlier version's record of this device in, once; a no-op when there is none. */
  private migrated(): Promise<void> {
    this.migration ??= (async () => {
      const legacy = await openLegacy();
      if (!legacy) return;
      try {
        const row = (await request(legacy.transaction(LEGACY_STORE, 'readonly').objectStore(LEGACY_STORE).get(this.deviceId))) as LegacyRow | undefined;
        if (!row) return;
        const move = async () => {
          const tx = new BufferedTransaction((kind, key) => this.read(kind, key));
          // Another tab may have moved it in already and not yet deleted the old record.
          if ((await tx.get('meta', 'migrated')) !== 1) {
            await migrateLegacyState(tx, row.state);
            await this.apply(tx.writes(), row.device ?? undefined);
          }
        };
        await (navigator.locks ? navigator.locks.request(this.name, move) : move());
        const del = legacy.transaction(LEGACY_STORE, 'readwrite');
        del.objectStore(LEGACY_STORE).delete(this.deviceId);
        await done(del);
      } finally {
        legacy.close();
      }
    })();
    this.migration.catch(() => {
      this.migration = undefined;
    });
    return this.migration;
  }
}
