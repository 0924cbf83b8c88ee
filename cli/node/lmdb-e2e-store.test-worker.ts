// A separate process for lmdb-e2e-store.test.ts, which bundles it with WORKER_HOME and WORKER_COUNT
// defined: it runs that many read-modify-write transactions on one counter record of the store in
// that home, each yielding between its read and its write. A failure exits non-zero.
import { join } from 'node:path';
import { LmdbE2EStore } from './lmdb-e2e-store.js';
import { EncryptedFileStore } from './secret-store.js';

declare const WORKER_HOME: string;
declare const WORKER_COUNT: number;

const [home, count] = [WORKER_HOME, WORKER_COUNT];
const store = new LmdbE2EStore(new EncryptedFileStore(join(home, 'secrets.enc'), 'fixture passphrase'), 'fixture:default', home);
for (let i = 0; i < count; i++) {
  await store.transaction(async (tx) => {
    const n = (await tx.get('meta', 'n')) ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 2));
    tx.put('meta', 'n', n + 1);
  });
}
await store.close();
