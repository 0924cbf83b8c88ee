import { MemoryOutboxStore } from './memory-outbox-store.js';
import { describeOutboxStoreContract } from './outbox-store.contract.js';

describeOutboxStoreContract('memory', async () => {
  const store = new MemoryOutboxStore();
  return { store, reopen: () => store };
});
