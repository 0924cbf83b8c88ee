/**
 * The few IndexedDB steps the browser's stores share (the end-to-end store, the private search
 * index): promises for a request and a transaction, opening a versioned database, and the
 * non-extractable AES-GCM key a database keeps to seal its records.
 */

/** Resolves with a request's result; rejects with its error. */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when a transaction commits; rejects when it aborts or fails. */
export function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

/**
 * Opens (or makes) database `name` at `version`, running `upgrade` with the version it had (0 when
 * new) and the upgrade's transaction when it was older. When another tab deletes or upgrades the
 * database, this connection closes and `onClosed` runs, so that tab does not wait on this one.
 * Rejects with IndexedDB's error (a newer version present, storage refused).
 */
export async function openDatabase(
  name: string,
  version: number,
  upgrade: (db: IDBDatabase, oldVersion: number, tx: IDBTransaction) => void,
  onClosed: () => void = () => {},
): Promise<IDBDatabase> {
  const req = indexedDB.open(name, version);
  req.onupgradeneeded = (event) => upgrade(req.result, event.oldVersion, req.transaction as IDBTransaction);
  const db = await request(req);
  db.onversionchange = () => {
    db.close();
    onClosed();
  };
  return db;
}

/**
 * The AES-GCM key (256 bits) kept in object store `store` under `id`, made non-extractable on first
 * use: no script can export it, IndexedDB keeps the CryptoKey as it is. When two tabs make one at
 * once, the first one stored wins and both use it.
 */
export async function storedAesKey(db: IDBDatabase, store: string, id: string): Promise<CryptoKey> {
  const existing = (await request(db.transaction(store, 'readonly').objectStore(store).get(id))) as CryptoKey | undefined;
  if (existing) return existing;
  const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const tx = db.transaction(store, 'readwrite');
  tx.objectStore(store).add(fresh, id);
  try {
    await done(tx);
    return fresh;
  } catch {
    // Another tab added its key first: use that one.
    return (await request(db.transaction(store, 'readonly').objectStore(store).get(id))) as CryptoKey;
  }
}
