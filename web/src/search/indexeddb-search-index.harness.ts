// A page for the browser private index's tests (indexeddb-search-index.test.ts): it indexes, edits and
// deletes messages through IndexedDbSearchIndex in real Chromium, then reads the index back from
// IndexedDB in a fresh instance (as the next page load does) and searches it.
import type { IndexedMessage } from '../../../shared/search/index.js';
import { IndexedDbSearchIndex } from './indexeddb-search-index.js';

const ROOM = 'room-private';

function message(id: string, seq: number, text: string, senderId = 'user-alice'): IndexedMessage {
  return { id, roomId: ROOM, roomName: 'secret', seq, senderId, sender: senderId.replace('user-', ''), createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(), text };
}

/** Event ids found for each query, in a fresh instance over the same database. */
async function searchAfresh(userId: string, queries: readonly string[]): Promise<Record<string, string[]>> {
  const again = new IndexedDbSearchIndex(userId);
  return again.update(async (index) => Object.fromEntries(queries.map((q) => [q, index.search(q).map((h) => h.eventId)])));
}

/** Edits and deletes applied in one update and in a later one, read back after a reload. */
async function editsAndDeletes(userId: string): Promise<Record<string, string[]>> {
  const store = new IndexedDbSearchIndex(userId);
  await store.update(async (index) => {
    index.add(message('m1', 1, 'the launch code is banana'));
    index.add(message('m2', 2, 'meet at the harbour'));
    index.add(message('m3', 3, 'shred the blueprint'));
    index.edit('m1', { seq: 4, senderId: 'user-alice', text: 'the launch code is mango' });
    index.setRoom(ROOM, 4, []);
  });
  await store.update(async (index) => {
    index.remove('m2');
    index.edit('m3', { seq: 6, senderId: 'user-alice', text: 'keep the blueprint' });
    // An edit whose target is not indexed yet (its key has not come): kept until the target is.
    index.edit('m7', { seq: 8, senderId: 'user-alice', text: 'latest pineapple' });
    index.setRoom(ROOM, 8, []);
  });
  const found = await searchAfresh(userId, ['banana', 'mango', 'harbour', 'shred', 'blueprint']);
  // The target of the early edit comes now, after the reload: it is indexed with the edit's text.
  const later = new IndexedDbSearchIndex(userId);
  await later.update(async (index) => index.add(message('m7', 7, 'first papaya')));
  return { ...found, ...(await searchAfresh(userId, ['papaya', 'pineapple'])) };
}

/** Resolves an IndexedDB request. */
function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * A database an earlier version wrote is dropped on first use, so the index is built again from the
 * rooms' histories (the room's position back at 0): version 1 (records sealed as today but indexed
 * without relations: an edit as a message of its own, a deleted message still there), version 2
 * (which had passed over for good the messages sent before the device or the user's joining).
 */
async function earlierVersion(userId: string, version: 1 | 2 | 4 = 1): Promise<{ indexedSeq: number; size: number; found: string[] }> {
  const req = indexedDB.open(`chat-search-${userId}`, version);
  req.onupgradeneeded = () => {
    for (const store of ['key', 'messages', 'rooms', ...(version >= 2 ? ['early-edits'] : [])]) req.result.createObjectStore(store);
  };
  const db = await done(req);
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const seal = async (store: string, id: string, value: unknown) => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const additionalData = new TextEncoder().encode(JSON.stringify([store, id]));
    return { iv, sealed: await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, new TextEncoder().encode(JSON.stringify(value))) };
  };
  const records = [
    ['messages', 'd1', message('d1', 1, 'deleted secret')],
    ['messages', 'e2', message('e2', 2, 'an edit indexed as a message')],
    ['rooms', ROOM, { indexedSeq: 2, pending: [] }],
  ] as const;
  const sealed = await Promise.all(records.map(async ([store, id, value]) => [store, id, await seal(store, id, value)] as const));
  const tx = db.transaction(['key', 'messages', 'rooms'], 'readwrite');
  tx.objectStore('key').put(key, 'aes-gcm');
  for (const [store, id, record] of sealed) tx.objectStore(store).put(record, id);
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
  const store = new IndexedDbSearchIndex(userId);
  return store.update(async (index) => ({ indexedSeq: index.room(ROOM).indexedSeq, size: index.size, found: index.search('secret').map((h) => h.eventId) }));
}

Object.assign(window, { searchIndexHarness: { editsAndDeletes, earlierVersion } });
