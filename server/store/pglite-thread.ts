/**
 * The message shapes between the server's event loop and the worker thread that runs embedded
 * PGlite (see pglite-worker.ts and pglite-worker-client.ts). One request, one reply, matched by `id`.
 * A transaction is opened by `begin`, named by the `tx` number the reply carries, used by `query`
 * and `exec` with that `tx`, and ended by `end` (commit or roll back). A `query`'s `terms` lists the
 * parameters (by position) that hold texts whose search terms the worker makes before it runs the query
 * (see search-terms.ts).
 */
export type PgliteRequest =
  | { id: number; kind: 'query'; text: string; params: readonly unknown[] | undefined; terms?: readonly number[] | undefined; tx: number | undefined }
  | { id: number; kind: 'exec'; script: string; tx: number | undefined }
  | { id: number; kind: 'begin' }
  | { id: number; kind: 'end'; tx: number; commit: boolean }
  | { id: number; kind: 'close' };

/** A database error crossing the thread boundary: already scrubbed of values (see sql-error.ts). */
export interface PgliteThreadError {
  message: string;
  fields: Record<string, string>;
  statement: string | undefined;
}

/** The worker's answer to one request: rows for `query`, the transaction number for `begin`. */
export type PgliteReply =
  | { id: number; ok: true; rows?: unknown[]; tx?: number }
  | { id: number; ok: false; error: PgliteThreadError };

/** What the worker is started with (`workerData`): the data directory, or none for memory. */
export interface PgliteWorkerData {
  dataDir: string | undefined;
}
