/** What the SQL store needs from a Postgres connection: parameterised queries and raw scripts. */
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
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
