import type { DeviceKeys } from '../crypto/index.js';
import type { E2EKind, E2ERecordKinds, E2EStore, E2ETransaction } from './e2e-store.js';
import { BufferedTransaction } from './e2e-store.js';

/** An E2EStore in memory, for tests and short-lived tools; transactions run one at a time. */
export class MemoryE2EStore implements E2EStore {
  private device: DeviceKeys | null = null;
  private readonly records = new Map<E2EKind, Map<string, unknown>>();
  private tail: Promise<unknown> = Promise.resolve();

  async loadDevice(): Promise<DeviceKeys | null> {
    return this.device;
  }

  async saveDevice(keys: DeviceKeys): Promise<void> {
    this.device = keys;
  }

  async get<K extends E2EKind>(kind: K, key: string): Promise<E2ERecordKinds[K] | undefined> {
    return this.records.get(kind)?.get(key) as E2ERecordKinds[K] | undefined;
  }

  transaction<T>(fn: (tx: E2ETransaction) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      const tx = new BufferedTransaction((kind, key) => this.get(kind, key));
      const result = await fn(tx);
      for (const w of tx.writes()) {
        const space = this.records.get(w.kind) ?? new Map<string, unknown>();
        this.records.set(w.kind, space);
        if (w.value === undefined) space.delete(w.key);
        else space.set(w.key, w.value);
      }
      return result;
    });
    this.tail = run.catch(() => {});
    return run;
  }
}
