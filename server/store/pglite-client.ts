import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor } from './sql-client.js';

/**
 * A SqlClient over embedded PGlite (real Postgres compiled to WASM), the zero-setup default.
 * `dataDir` undefined keeps everything in memory (tests).
 */
export async function createPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  const { PGlite: PGliteClass } = await import('@electric-sql/pglite');
  const db: PGlite = dataDir === undefined ? new PGliteClass() : new PGliteClass(dataDir);
  await db.waitReady;
  const executor = (q: PGlite | Transaction): SqlExecutor => ({
    query: async <R>(text: string, params?: readonly unknown[]) => {
      const result = await q.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows };
    },
    exec: async (script: string) => {
      await q.exec(script);
    },
  });
  const run = executor(db);
  return {
    ...run,
    // PGlite runs on this thread and ignores statement_timeout: a query cannot be interrupted.
    queryWithTimeout: <R>(_timeoutMs: number, text: string, params?: readonly unknown[]) => run.query<R>(text, params),
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => db.transaction((tx) => fn(executor(tx))),
    close: () => db.close(),
  };
}
