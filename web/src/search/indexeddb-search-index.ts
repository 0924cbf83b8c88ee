import type { PrivateIndexStore } from '../../../shared/client/index.js';
import { MessageIndex } from '../../../shared/search/index.js';
import type { IndexedEdit, IndexedMessage, IndexedRoom } from '../../../shared/search/index.js';
import { done, openDatabase, request, storedAesKey } from '../lib/indexeddb.js';
import { searchDatabaseName } from './search-database.js';

/**
 * Object stores: the sealing key, one record per indexed message (its latest text), one per room
 * position, one per edit whose target is not indexed yet.
 */
const KEY = 'key';
const MESSAGES = 'messages';
const ROOMS = 'rooms';
const EARLY_EDITS = 'early-edits';
/**
 * The database's version: 2 since relations are applied (version 1 kept an edit as a message of its
 * own and never removed a deleted message; its messages and positions are dropped on upgrade, so the
 * index is built again from the rooms' histories); 3 since messages whose keys were missing for any
 * reason are kept to be opened again (version 2 had passed over those from before the device or the
 * user's joining for good: its records are dropped on upgrade, so the index is built again and they
 * are found once their keys come); 4 since a token's pieces written together are a part term
 * (SEARCH_TERMS_VERSION 2: `email` of "e-mail"; dropped and built again the same way); 5 since English
 * stems are Porter2's (SEARCH_TERMS_VERSION 3: `~secret` of "secretly"; dropped and built again).
 */
const VERSION = 5;
const SEALING_KEY_ID = 'aes-gcm';
/** AES-GCM's recommended 96-bit nonce (NIST SP 800-38D, 8.2). */
const IV_BYTES = 12;

/** A record as IndexedDB holds it: AES-GCM ciphertext of its JSON, and the nonce. */
interface SealedRecord {
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly sealed: ArrayBuffer;
}

/** The object store and key of a record, bound into its seal: a record moved to another key no longer opens. */
const associated = (store: string, key: string) => new TextEncoder().encode(JSON.stringify([store, key]));

/**
 * The browser's index of private rooms for search (the same MiniSearch engine and query syntax as
 * the CLI's, shared/search): one IndexedDB database per user (`chat-search-<userId>`) holding one
 * record per decrypted message (edits applied, deleted messages removed), one per room position and
 * one per edit that came before its target, each record's JSON sealed with AES-GCM
 * under a non-extractable key kept in the same database (a CryptoKey no script can export; the
 * store and key as associated data). The plaintext exists only in this tab's memory, where the
 * index is built from the records on first use.
 *
 * `update` runs under a Web Lock, so two tabs of one user add to the index one at a time; it writes
 * only the records that changed (added, edited, deleted), in one IndexedDB transaction. `destroy` (sign-out) deletes the
 * database with its key.
 */
export class IndexedDbSearchIndex implements PrivateIndexStore {
  private db: Promise<IDBDatabase> | undefined;
  private key: Promise<CryptoKey> | undefined;
  private index: Promise<MessageIndex> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  /** @param userId the signed-in user: each user of a browser has their own database. */
  constructor(readonly userId: string) {}

  /** The user's database name. */
  get name(): string {
    return searchDatabaseName(this.userId);
  }

  /** Runs `fn` on the index (loaded from the records the first time) and seals what it added. */
  update<T>(fn: (index: MessageIndex) => Promise<T>): Promise<T> {
    const run = async () => {
      const index = await (this.index ??= this.load());
      try {
        return await fn(index);
      } finally {
        // What was added before a failure is kept too: it was decrypted and indexed correctly.
        await this.save(index.takeChanges());
      }
    };
    const locked = (): Promise<T> => (navigator.locks ? (navigator.locks.request(this.name, run) as Promise<T>) : run());
    const result = this.tail.then(locked, locked);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Deletes the database, its sealing key included, and forgets the index in memory (sign-out). */
  async destroy(): Promise<void> {
    await this.tail;
    const db = this.db;
    this.db = this.key = this.index = undefined;
    if (db) (await db.catch(() => null))?.close();
    await request(indexedDB.deleteDatabase(this.name));
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= openDatabase(
      this.name,
      VERSION,
      (db, oldVersion, tx) => {
        if (oldVersion < 1) for (const store of [KEY, MESSAGES, ROOMS]) db.createObjectStore(store);
        else if (oldVersion < VERSION) {
          tx.objectStore(MESSAGES).clear();
          tx.objectStore(ROOMS).clear();
        }
        if (oldVersion < 2) db.createObjectStore(EARLY_EDITS);
        else if (oldVersion < 4) tx.objectStore(EARLY_EDITS).clear();
      },
      () => {
        this.db = this.key = this.index = undefined;
      },
    );
    return this.db;
  }

  /** The database's AES-GCM key, made (non-extractable) the first time. */
  private sealingKey(): Promise<CryptoKey> {
    this.key ??= this.open().then((db) => storedAesKey(db, KEY, SEALING_KEY_ID));
    return this.key;
  }

  private async seal(store: string, key: string, value: unknown): Promise<SealedRecord> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const data = new TextEncoder().encode(JSON.stringify(value));
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: associated(store, key) }, await this.sealingKey(), data);
    return { iv, sealed };
  }

  private async unseal<T>(store: string, key: string, record: SealedRecord): Promise<T> {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: record.iv, additionalData: associated(store, key) }, await this.sealingKey(), record.sealed);
    return JSON.parse(new TextDecoder().decode(plain)) as T;
  }

  /** Every record of a store, unsealed; rejects when one does not open (tampered with, or moved). */
  private async all<T>(store: string): Promise<[string, T][]> {
    const db = await this.open();
    const tx = db.transaction(store);
    const [keys, values] = await Promise.all([request(tx.objectStore(store).getAllKeys()), request(tx.objectStore(store).getAll() as IDBRequest<SealedRecord[]>)]);
    return Promise.all(keys.map(async (key, i): Promise<[string, T]> => [String(key), await this.unseal<T>(store, String(key), values[i] as SealedRecord)]));
  }

  /**
   * The index from the records. One that does not open means the records cannot be trusted to
   * agree with the rooms' positions: they are all dropped and the index is built again from the
   * rooms' histories on this update.
   */
  private async load(): Promise<MessageIndex> {
    try {
      const [messages, rooms, earlyEdits] = await Promise.all([this.all<IndexedMessage>(MESSAGES), this.all<IndexedRoom>(ROOMS), this.all<IndexedEdit>(EARLY_EDITS)]);
      return MessageIndex.of(
        messages.map(([, m]) => m),
        rooms,
        earlyEdits,
      );
    } catch {
      const tx = (await this.open()).transaction([MESSAGES, ROOMS, EARLY_EDITS], 'readwrite');
      for (const store of [MESSAGES, ROOMS, EARLY_EDITS]) tx.objectStore(store).clear();
      await done(tx);
      return MessageIndex.empty();
    }
  }

  private async save(changes: ReturnType<MessageIndex['takeChanges']>): Promise<void> {
    if (changes.messages.length + changes.removed.length + changes.earlyEdits.length + changes.rooms.length === 0) return;
    // Sealed first: IndexedDB commits a transaction once a task passes with no request open, so it cannot wait on WebCrypto.
    const messages = await Promise.all(changes.messages.map(async (m) => [m.id, await this.seal(MESSAGES, m.id, m)] as const));
    const rooms = await Promise.all(changes.rooms.map(async ([id, r]) => [id, await this.seal(ROOMS, id, r)] as const));
    const earlyEdits = await Promise.all(changes.earlyEdits.map(async ([id, e]) => [id, e && (await this.seal(EARLY_EDITS, id, e))] as const));
    const db = await this.open();
    const tx = db.transaction([MESSAGES, ROOMS, EARLY_EDITS], 'readwrite');
    for (const [id, record] of messages) tx.objectStore(MESSAGES).put(record, id);
    for (const id of changes.removed) tx.objectStore(MESSAGES).delete(id);
    for (const [id, record] of rooms) tx.objectStore(ROOMS).put(record, id);
    for (const [id, record] of earlyEdits) {
      if (record) tx.objectStore(EARLY_EDITS).put(record, id);
      else tx.objectStore(EARLY_EDITS).delete(id);
    }
    await done(tx);
  }
}
