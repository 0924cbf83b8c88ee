import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgliteWorkerClient, openEmbeddedDatabase } from './pglite-worker-client.js';
import type { SqlClient } from './sql-client.js';
import { SqlError } from './sql-error.js';
import { SqlStore } from './sql-store.js';
import { describeStoreContract } from './store.contract.js';

// The worker runs the built file (npm test builds first), as the server does.
const workerScript = new URL('../../dist/server/pglite-worker.js', import.meta.url);
if (!existsSync(workerScript)) throw new Error('dist/server/pglite-worker.js is missing: run npm run build');

describeStoreContract('PGlite on a worker thread', async () => {
  const client = await createPgliteWorkerClient(undefined, workerScript);
  await migrate(client);
  const store = new SqlStore(client);
  return { store, close: () => store.close() };
});

// Starting PGlite (initdb in WebAssembly) takes seconds, many on a loaded machine: one database
// serves the tests that need only a table of their own.
describe('PGlite worker client', () => {
  let sql: SqlClient;
  beforeAll(async () => {
    sql = await createPgliteWorkerClient(undefined, workerScript);
  }, 120_000);
  afterAll(async () => {
    await sql.close();
  });

  it('commits a transaction, rolls back one that throws, and keeps other queries waiting for it', async () => {
    {
      await sql.exec('create table t (n int primary key)');
      await sql.transaction(async (tx) => {
        await tx.query('insert into t values ($1)', [1]);
      });
      await expect(
        sql.transaction(async (tx) => {
          await tx.query('insert into t values ($1)', [2]);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      // A query sent while a transaction is open runs after it, and sees its commit.
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const open = sql.transaction(async (tx) => {
        await tx.query('insert into t values ($1)', [3]);
        await held;
      });
      const outside = sql.query<{ count: number }>('select count(*)::int as count from t');
      release();
      await open;
      expect((await outside).rows[0]?.count).toBe(2);
      expect((await sql.query<{ n: number }>('select n from t order by n')).rows.map((r) => r.n)).toEqual([1, 3]);
    }
  });

  it('gives SqlErrors without the values involved, and the client stays usable after one', async () => {
    {
      await sql.exec('create table u (id uuid primary key)');
      const error = await sql.query('insert into u values ($1)', ['secret-text-not-a-uuid']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SqlError);
      expect((error as SqlError).code).toBe('22P02');
      expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('secret-text');
      expect((await sql.query<{ one: number }>('select 1 as one')).rows[0]?.one).toBe(1);
    }
  });

  it('rejects later calls once the thread is gone', async () => {
    const closed = await createPgliteWorkerClient(undefined, workerScript);
    await closed.close();
    await expect(closed.query('select 1')).rejects.toBeInstanceOf(SqlError);
  }, 120_000);

  /**
   * Opens a fresh data dir (creating a table in `prepare`), then the same dir again: the data is kept and
   * `prepare` ran each time. `nodePath` as `openEmbeddedDatabase` takes it.
   */
  const openFreshThenAgain = async (nodePath: string | undefined): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-pglite-worker-'));
    try {
      let prepared = 0;
      const create = async (sql: SqlClient) => {
        prepared++;
        await sql.exec('create table kept (v text)');
        await sql.query('insert into kept values ($1)', ['hello']);
      };
      const first = await openEmbeddedDatabase(join(dir, 'pglite'), workerScript, create, nodePath);
      expect(existsSync(join(dir, 'pglite', 'PG_VERSION'))).toBe(true);
      expect((await first.query<{ v: string }>('select v from kept')).rows).toEqual([{ v: 'hello' }]);
      await first.close();
      const second = await openEmbeddedDatabase(join(dir, 'pglite'), workerScript, async () => void prepared++, nodePath);
      expect((await second.query<{ v: string }>('select v from kept')).rows).toEqual([{ v: 'hello' }]);
      await second.close();
      expect(prepared).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('opens a fresh data dir twice (initdb, then a clean thread) and an existing one once, keeping the data', () => openFreshThenAgain(undefined), 240_000);

  it('creates a fresh data dir in a child process of the Node given, then migrates and keeps it on the thread', () => openFreshThenAgain('node'), 240_000);

  it('rejects, and opens no thread, when the process that creates a fresh data dir cannot run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-pglite-worker-'));
    try {
      await expect(openEmbeddedDatabase(join(dir, 'pglite'), workerScript, async () => undefined, join(dir, 'no-such-node'))).rejects.toThrow(/ENOENT/);
      expect(existsSync(join(dir, 'pglite', 'PG_VERSION'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
