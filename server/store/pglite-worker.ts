/**
 * The worker thread that owns embedded PGlite, so that the WebAssembly Postgres (a third of the busy
 * time of a loaded embedded server) runs beside fan-out instead of on the event loop, and a slow
 * query stalls no one's socket. The search terms of the messages it stores are made here as well
 * (a query's `terms`, see search-terms.ts): their language detection is most of a sentence's cost on
 * the send path, and the event loop would pay it before every insert. Built as its own entry (dist/server/pglite-worker.js) and started by
 * pglite-worker-client.ts; the message shapes are in pglite-thread.ts.
 *
 * PGlite runs one statement at a time and holds a transaction's lock until it ends, exactly as it
 * does on the main thread: other requests wait for an open transaction to commit or roll back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { scrubSqlError } from './sql-error.js';
import type { PgliteReply, PgliteRequest, PgliteThreadError, PgliteWorkerData } from './pglite-thread.js';
import { makeSearchTerms } from './search-terms.js';
import { PgliteStatements } from './pglite-statements.js';

/** Thrown inside a transaction's callback to make PGlite roll it back. */
class RollBack extends Error {}

interface OpenTransaction {
  tx: Transaction;
  finish: (commit: boolean) => void;
  done: Promise<void>;
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite-worker.js runs only as a worker thread');
  const { dataDir } = workerData as PgliteWorkerData;
  const { PGlite: PGliteClass } = await import('@electric-sql/pglite');
  const db: PGlite = dataDir === undefined ? new PGliteClass() : new PGliteClass(dataDir);
  await db.waitReady;
  const transactions = new Map<number, OpenTransaction>();
  const statements = new PgliteStatements(db);
  let nextTx = 1;

  const reply = (message: PgliteReply): void => port.postMessage(message);
  const failure = (error: unknown, statement?: string): PgliteThreadError => {
    const scrubbed = scrubSqlError(error, statement);
    const fields: Record<string, string> = {};
    for (const key of ['code', 'severity', 'schema', 'table', 'column', 'constraint', 'routine'] as const) {
      const value = scrubbed[key];
      if (value !== undefined) fields[key] = value;
    }
    return { message: scrubbed.message, fields, statement: scrubbed.statement };
  };
  const target = (tx: number | undefined): PGlite | Transaction => {
    if (tx === undefined) return db;
    const open = transactions.get(tx);
    if (!open) throw new Error(`transaction ${tx} is not open`);
    return open.tx;
  };

  const begin = (id: number): void => {
    const number = nextTx++;
    let finish: (commit: boolean) => void = () => undefined;
    let begun = false;
    const done = db
      .transaction(
        (tx) =>
          new Promise<void>((resolve, reject) => {
            finish = (commit) => (commit ? resolve() : reject(new RollBack()));
            transactions.set(number, { tx, finish, done });
            begun = true;
            reply({ id, ok: true, tx: number });
          }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof RollBack)) throw error;
      })
      .finally(() => transactions.delete(number));
    // A transaction that could not begin answers the `begin` itself.
    done.catch((error: unknown) => {
      if (!begun) reply({ id, ok: false, error: failure(error) });
    });
  };

  port.on('message', (request: PgliteRequest) => {
    void (async () => {
      try {
        switch (request.kind) {
          case 'query': {
            const params = makeSearchTerms(request.params, request.terms);
            const on = target(request.tx);
            const result = await statements.query(request.text, params, on === db ? undefined : (on as Transaction));
            reply({ id: request.id, ok: true, rows: result.rows });
            return;
          }
          case 'exec':
            try {
              await target(request.tx).exec(request.script);
            } finally {
              statements.forgetAll();
            }
            reply({ id: request.id, ok: true });
            return;
          case 'begin':
            begin(request.id);
            return;
          case 'end': {
            const open = transactions.get(request.tx);
            if (!open) throw new Error(`transaction ${request.tx} is not open`);
            open.finish(request.commit);
            await open.done;
            reply({ id: request.id, ok: true });
            return;
          }
          case 'close':
            await db.close();
            reply({ id: request.id, ok: true });
            port.close();
            return;
        }
      } catch (error) {
        reply({ id: request.id, ok: false, error: failure(error, request.kind === 'query' ? request.text : undefined) });
      }
    })();
  });
  port.postMessage({ ready: true });
}

/**
 * Emscripten's numbers for the file system errors PGlite's virtual file system throws while it opens
 * a data dir (its ERRNO_CODES table, as in the bundled @electric-sql/pglite), by the names Node uses.
 */
const EMSCRIPTEN_ERRNO: Readonly<Record<number, string>> = { 2: 'EACCES', 20: 'EEXIST', 31: 'EISDIR', 44: 'ENOENT', 51: 'ENOSPC', 54: 'ENOTDIR', 63: 'EPERM', 69: 'EROFS' };

/**
 * What stopped the database from opening, in words: an Error's message, or for Emscripten's
 * ErrnoError (an object with `errno` and no message, thrown by PGlite's file system) the error's
 * name as Node knows it ("the file system refused: ENOTDIR (errno 54)").
 */
function startFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  const errno = (error as { errno?: unknown } | null)?.errno;
  if (typeof errno === 'number') return `the file system refused: ${EMSCRIPTEN_ERRNO[errno] ?? 'an error'} (errno ${errno})`;
  return String(error);
}

serve().catch((error: unknown) => {
  parentPort?.postMessage({ ready: false, message: startFailure(error) });
});
