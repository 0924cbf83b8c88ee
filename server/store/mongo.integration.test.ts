import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { createTestDatabase } from '../../test/support/postgres.js';
import { migrate } from './migrate.js';
import { SqlMongoStore } from './mongo-message-store.js';
import { createPgClient } from './pg-client.js';
import { describeStoreContract } from './store.contract.js';

const MONGODB_URL = process.env.MONGODB_URL;

if (MONGODB_URL) {
  describeStoreContract('PostgreSQL + MongoDB messages', async () => {
    const db = await createTestDatabase();
    const sql = createPgClient(db.url);
    await migrate(sql);
    // A database of its own per run, dropped afterwards.
    const url = new URL(MONGODB_URL);
    url.pathname = `/chat_test_${randomBytes(4).toString('hex')}`;
    const store = await SqlMongoStore.open(sql, url.toString());
    return {
      store,
      close: async () => {
        const { MongoClient } = await import('mongodb');
        const admin = new MongoClient(url.toString());
        await admin.db().dropDatabase();
        await admin.close();
        await store.close();
        await db.drop();
      },
    };
  });
} else {
  describe('Store contract: PostgreSQL + MongoDB messages', () => {
    it.skip('skipped: set MONGODB_URL (a MongoDB server, e.g. mongodb://127.0.0.1:27017) to run the Store contract against MongoDB', () => {});
  });
  process.stdout.write('Store contract: PostgreSQL + MongoDB messages — SKIPPED, MONGODB_URL is not set\n');
}
