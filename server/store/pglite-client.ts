import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor } from './sql-client.js';
import { withSearchTerms } from './search-terms.js';
import { PgliteStatements } from './pglite-statements.js';
import { scrubSqlError, SqlError } from './sql-error.js';

/**
 * A SqlClient over embedded PGlite (real Postgres compiled to WASM), the zero-setup default.
 * `dataDir` undefined keeps everything in memory (tests). It runs on the calling thread, and so does
 * the making of a SearchTermsOf parameter's terms (the server uses the worker's client instead, see
 * pglite-worker-client.ts). Errors are SqlErrors, without parameter values.
 */
export async function createPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  const { PGlite: PGliteClass } = await import('@electric-sql/pglite');
  const db: PGlite = dataDir === undefined ? new PGliteClass() : new PGliteClass(dataDir);
  await db.waitReady;
  const statements = new PgliteStatements(db);
  const executor = (q: PGlite | Transaction): SqlExecutor => ({
    query: async <R>(text: string, params?: readonly unknown[]) => {
      try {
        return await statements.query<R>(text, withSearchTerms(params), q === db ? undefined : (q as Transaction));
      } catch (error) {
        throw scrubSqlError(error, text);
      }
    },
    exec: async (script: string) => {
      await q
        .exec(script)
        .catch((error: unknown) => {
          throw scrubSqlError(error);
        })
        .finally(() => statements.forgetAll());
    },
  });
  const run = executor(db);
  return {
    ...run,
    // PGlite runs on this thread and ignores statement_timeout: a query cannot be interrupted.
    queryWithTimeout: <R>(_timeoutMs: number, text: string, params?: readonly unknown[]) => run.query<R>(text, params),
    // What `fn` throws passes through as it is (a SqlError already, or the caller's own error).
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) =>
      db.transaction((tx) => fn(executor(tx))).catch((error: unknown) => {
        throw error instanceof SqlError || !isDriverError(error) ? error : scrubSqlError(error);
      }),
    close: () => db.close(),
  };
}

/** PGlite's own errors carry the statement and its parameters. */
function isDriverError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && ('params' in error || 'severity' in error);
}
