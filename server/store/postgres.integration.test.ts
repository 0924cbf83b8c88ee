import { createTestDatabase } from '../../test/support/postgres.js';
import { createPgClient } from './pg-client.js';
import { migrate } from './migrate.js';
import { SqlStore } from './sql-store.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('PostgreSQL (pg)', async () => {
  const db = await createTestDatabase();
  const client = createPgClient(db.url);
  // Two migrations at once, as two instances starting together would run them: one applies, one waits.
  const [a, b] = await Promise.all([migrate(client), migrate(client)]);
  if (a.length > 0 && b.length > 0) throw new Error(`both migrations ran: ${a} and ${b}`);
  if (a.length + b.length === 0) throw new Error('no migration ran');
  const store = new SqlStore(client);
  return {
    store,
    close: async () => {
      await store.close();
      await db.drop();
    },
  };
});
