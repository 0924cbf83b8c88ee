import { EMPTY_E2E_STATE } from '../../shared/client/index.js';
import type { E2EState, E2EStore } from '../../shared/client/index.js';
import type { DeviceKeys } from '../../shared/crypto/index.js';

const DB = 'chat-e2e';
const STORE = 'devices';

interface Row {
  readonly device: DeviceKeys | null;
  readonly state: E2EState;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function open(): Promise<IDBDatabase> {
  const req = indexedDB.open(DB, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE);
  return request(req);
}

/**
 * The browser's end-to-end store: this device's keys — non-extractable CryptoKeys, which IndexedDB
 * keeps as they are and no script can export — and its chains and opened messages, in one IndexedDB
 * record per device. Updates run one at a time in this tab and hold a Web Lock across tabs.
 */
export class IndexedDbE2EStore implements E2EStore {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deviceId: string) {}

  async loadDevice(): Promise<DeviceKeys | null> {
    return (await this.row()).device;
  }

  async saveDevice(keys: DeviceKeys): Promise<void> {
    await this.locked(async () => this.put({ ...(await this.row()), device: keys }));
  }

  async read(): Promise<E2EState> {
    return (await this.row()).state;
  }

  update<T>(fn: (state: E2EState) => Promise<{ state: E2EState; result: T }>): Promise<T> {
    return this.locked(async () => {
      const row = await this.row();
      const { state, result } = await fn(row.state);
      await this.put({ ...row, state });
      return result;
    });
  }

  /** Forgets this device (sign-out). */
  async destroy(): Promise<void> {
    const db = await open();
    await request(db.transaction(STORE, 'readwrite').objectStore(STORE).delete(this.deviceId));
    db.close();
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    const run: Promise<T> = this.tail.then(async () => (navigator.locks ? ((await navigator.locks.request(`${DB}:${this.deviceId}`, work)) as T) : work()));
    this.tail = run.catch(() => {});
    return run;
  }

  private async row(): Promise<Row> {
    const db = await open();
    const row = (await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(this.deviceId))) as Row | undefined;
    db.close();
    return row ?? { device: null, state: EMPTY_E2E_STATE };
  }

  private async put(row: Row): Promise<void> {
    const db = await open();
    await request(db.transaction(STORE, 'readwrite').objectStore(STORE).put(row, this.deviceId));
    db.close();
  }
}
