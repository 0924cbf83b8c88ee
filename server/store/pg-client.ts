import pg from 'pg';
import type { SqlClient, SqlExecutor } from './sql-client.js';
import { withSearchTerms } from './search-terms.js';
import { scrubSqlError } from './sql-error.js';

/**
 * A SqlClient over a `pg` connection pool, for PostgreSQL servers (DATABASE_URL). Errors are SqlErrors,
 * without parameter values. A SearchTermsOf parameter's terms are made on the calling thread (the event
 * loop) just before the query is sent.
 */
export function createPgClient(connectionString: string, options: { max?: number } = {}): SqlClient {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client that loses its connection emits 'error' on the pool; without a listener it would
  // crash the process. The next query gets a fresh connection.
  pool.on('error', () => {});
  const executor = (q: pg.Pool | pg.PoolClient): SqlExecutor => ({
    query: async <R>(text: string, params?: readonly unknown[]) => {
      try {
        const result = await q.query(text, withSearchTerms(params));
        return { rows: result.rows as R[] };
      } catch (error) {
        throw scrubSqlError(error, text);
      }
    },
    exec: async (script: string) => {
      await q.query(script).catch((error: unknown) => {
        throw scrubSqlError(error);
      });
    },
  });
  async function transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await pool.connect().catch((error: unknown) => {
      throw scrubSqlError(error);
    });
    const tx = executor(client);
    try {
      await tx.query('BEGIN');
      const result = await fn(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
  return {
    ...executor(pool),
    transaction,
    // The server cancels the statement itself (waiting on locks included); the setting is local to the
    // transaction, so the pooled connection goes back as it was.
    queryWithTimeout: <R>(timeoutMs: number, text: string, params?: readonly unknown[]) =>
      transaction(async (tx) => {
        await tx.query(`SELECT set_config('statement_timeout', $1, true)`, [`${Math.max(1, Math.round(timeoutMs))}ms`]);
        return tx.query<R>(text, params);
      }),
    close: () => pool.end(),
  };
}
