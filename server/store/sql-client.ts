/**
 * What the SQL store needs from a Postgres connection: parameterised queries and raw scripts. A
 * parameter may be a SearchTermsOf (search-terms.ts): the client sends the search terms of its text(s)
 * in its place, made on the thread the client chooses.
 */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * One Postgres dialect, two drivers: `pg` against a server and PGlite embedded. The store is written
 * once against this.
 */
export interface SqlClient extends SqlExecutor {
  /**
   * Like `query`, but the database cancels it after `timeoutMs` (it then throws an error that
   * `isQueryCanceled` recognizes). PGlite cannot interrupt a query and runs it to the end.
   */
  queryWithTimeout<R = Record<string, unknown>>(timeoutMs: number, text: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Whether a query failed because it was canceled, by its statement timeout (SQLSTATE 57014). */
export function isQueryCanceled(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '57014';
}
