import { describe, it } from 'vitest';
import { e2eStoreContract } from './e2e-store.contract.js';
import type { E2EStoreHarness } from './e2e-store.contract.js';
import { MemoryE2EStore } from './memory-e2e-store.js';

const harness: E2EStoreHarness = {
  extractable: false,
  fresh: async () => new MemoryE2EStore(),
  // One memory store is its own only place.
  another: async (store) => store,
};

describe('MemoryE2EStore', () => {
  for (const c of e2eStoreContract) it(c.name, () => c.run(harness));
});
