import { createPgliteClient } from './pglite-client.js';
import { migrate } from './migrate.js';
import { SqlStore } from './sql-store.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('PGlite (embedded)', async () => {
  const client = await createPgliteClient(undefined);
  await migrate(client);
  const store = new SqlStore(client);
  return { store, close: () => store.close() };
});
