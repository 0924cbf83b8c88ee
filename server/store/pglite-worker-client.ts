import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqlClient, SqlExecutor } from './sql-client.js';
import { SqlError } from './sql-error.js';
import type { PgliteReply, PgliteRequest, PgliteThreadError, PgliteWorkerData } from './pglite-thread.js';
import { searchTextsToSend } from './search-terms.js';

/** Requests without their `id`, which the client assigns. */
type Request = PgliteRequest extends infer R ? (R extends PgliteRequest ? Omit<R, 'id'> : never) : never;

/**
 * A SqlClient over embedded PGlite running in a worker thread (`workerScript`, the built
 * pglite-worker.js), so the database's WebAssembly never runs on the event loop: with a second core,
 * storage and fan-out run in parallel, and on one core a long query no longer blocks every socket
 * between its statements. The search terms of a SearchTermsOf parameter are made there too, before
 * the query runs (the language detection they need is not event-loop work). `dataDir` undefined keeps the database in memory. Errors are SqlErrors
 * (scrubbed of values in the worker). Rejects when the worker cannot open the database.
 *
 * `close()` closes the database and ends the thread; a worker that dies makes every pending and
 * later call reject with a SqlError naming the exit.
 */
export async function createPgliteWorkerClient(dataDir: string | undefined, workerScript: URL): Promise<SqlClient> {
  const worker = new Worker(workerScript, { workerData: { dataDir } satisfies PgliteWorkerData });
  const pending = new Map<number, { resolve: (reply: PgliteReply & { ok: true }) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let dead: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: { ready?: boolean; message?: string }): void => {
      worker.off('error', onError);
      if (message.ready) resolve();
      else reject(new Error(message.message ?? 'the database thread did not start'));
    };
    const onError = (error: Error): void => reject(error);
    worker.once('message', onMessage);
    worker.once('error', onError);
  });

  const fail = (error: Error): void => {
    dead = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (reply: PgliteReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply);
    else waiting.reject(toSqlError(reply.error));
  });
  worker.on('error', (error) => fail(new SqlError(`the database thread failed: ${error.message}`, {}, undefined)));
  worker.on('exit', (code) => fail(new SqlError(`the database thread exited (code ${code})`, {}, undefined)));

  const call = (request: Request): Promise<PgliteReply & { ok: true }> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  };
  const executor = (tx: number | undefined): SqlExecutor => ({
    query: async <R>(text: string, params?: readonly unknown[]) => {
      // Search terms (SearchTermsOf) are made on the database's thread, not here.
      const sent = searchTextsToSend(params);
      const reply = await call({ kind: 'query', text, params: sent.params, terms: sent.terms, tx });
      return { rows: (reply.rows ?? []) as R[] };
    },
    exec: async (script: string) => {
      await call({ kind: 'exec', script, tx });
    },
  });
  const run = executor(undefined);
  return {
    ...run,
    // PGlite ignores statement_timeout and its thread runs a query to the end: it cannot be canceled.
    queryWithTimeout: <R>(_timeoutMs: number, text: string, params?: readonly unknown[]) => run.query<R>(text, params),
    transaction: async <T>(fn: (tx: SqlExecutor) => Promise<T>) => {
      const { tx } = await call({ kind: 'begin' });
      if (tx === undefined) throw new SqlError('the database thread opened no transaction', {}, undefined);
      let result: T;
      try {
        result = await fn(executor(tx));
      } catch (error) {
        await call({ kind: 'end', tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ kind: 'end', tx, commit: true });
      return result;
    },
    close: async () => {
      if (!dead) await call({ kind: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}

function toSqlError(error: PgliteThreadError): SqlError {
  return new SqlError(error.message, error.fields, error.statement);
}

/**
 * Opens the embedded database in `dataDir` on its own thread and runs `prepare` (the migrations) on
 * it. When the directory held no database yet, PGlite's initdb leaves memory behind in the process
 * that ran it (the WebAssembly heap, and ~64 MiB of freed allocations that glibc keeps in the arena of
 * the thread that ran it, even after that thread ends): so with `nodePath` (the Node executable) the
 * initdb runs in a child process of its own that exits when it is done, and the first start idles like
 * a restart; without it, the thread that ran initdb and the migrations is closed and the database
 * opened again on a new one, which returns the WebAssembly heap but not the arena.
 *
 * An initdb that did not finish (the server was stopped or killed during its first start) leaves the
 * marker `<dataDir>.initdb-incomplete` beside the directory: the next start removes the half-made
 * directory and creates it again (it held nothing yet: migrations run only after initdb finished).
 *
 * `signal` stops a first start: the initdb child is killed and waited for (so the caller may release
 * its lock on the directory once this settles), and this rejects with an Error of `name` 'AbortError'.
 * Rejects as `createPgliteWorkerClient` and `prepare` do, or when the initdb process fails (with the
 * error it reported).
 */
export async function openEmbeddedDatabase(
  dataDir: string,
  workerScript: URL,
  prepare: (sql: SqlClient) => Promise<void>,
  nodePath?: string,
  signal?: AbortSignal,
): Promise<SqlClient> {
  const marker = `${dataDir}.initdb-incomplete`;
  if (existsSync(marker)) rmSync(dataDir, { recursive: true, force: true });
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) writeFileSync(marker, 'initdb started; this start did not finish it\n');
  if (fresh && nodePath !== undefined) await initdbApart(dataDir, workerScript, nodePath, signal);
  signal?.throwIfAborted();
  let sql = await createPgliteWorkerClient(dataDir, workerScript);
  if (fresh) rmSync(marker, { force: true });
  try {
    signal?.throwIfAborted();
    await prepare(sql);
  } catch (error) {
    await sql.close();
    throw error;
  }
  if (fresh && nodePath === undefined) {
    await sql.close();
    sql = await createPgliteWorkerClient(dataDir, workerScript);
  }
  return sql;
}

/** What the initdb child prints, on one line, before the JSON of the error that stopped it. */
const INITDB_ERROR = 'initdb-error:';

/**
 * The initdb child: opens the database on a `workerScript` thread (PGlite's initdb runs there; its
 * WebAssembly would block this thread for seconds), closes it and exits 0; on an error, prints
 * INITDB_ERROR and the error's message and code as JSON, and exits 1. Its main thread stays free to
 * notice its stdin closing, which means the server that started it is gone (even killed with SIGKILL,
 * which runs none of the server's cleanup): it then kills itself at once, thread and all, so that it
 * writes nothing more into a directory that the next server may be about to use.
 */
const initdbScript = (dataDir: string, workerScript: URL) => `
import { Worker } from 'node:worker_threads';
const gone = () => process.kill(process.pid, 'SIGKILL');
process.stdin.on('end', gone);
process.stdin.on('close', gone);
process.stdin.resume();
const fail = (error) => {
  process.stderr.write(${JSON.stringify(INITDB_ERROR)} + JSON.stringify({ message: error?.message ?? String(error), code: error?.code }) + '\\n');
  process.exit(1);
};
const thread = new Worker(new URL(${JSON.stringify(workerScript.href)}), { workerData: { dataDir: ${JSON.stringify(dataDir)} }, execArgv: [] });
thread.on('error', fail);
thread.on('exit', (code) => fail(new Error('the database thread exited (code ' + code + ')')));
thread.on('message', (message) => {
  if (message.ready === true) thread.postMessage({ kind: 'close', id: 1 });
  else if (message.ready === false) fail(new Error(message.message));
  else if (message.id === 1 && message.ok) process.exit(0);
  else if (message.id === 1) fail(message.error);
});`;

/**
 * The error line(s) of a failed initdb child from its stderr (`output`): the error it reported, or
 * else its last lines that are neither Node's version banner ("Node.js v20…") nor stack frames.
 */
export function initdbFailure(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const reported = lines.findLast((l) => l.startsWith(INITDB_ERROR));
  if (reported) {
    try {
      const { message, code } = JSON.parse(reported.slice(INITDB_ERROR.length)) as { message?: string; code?: string };
      return `${message ?? 'unknown error'}${code ? ` (${code})` : ''}`;
    } catch {
      // Not the JSON it writes: fall through to the other lines.
    }
  }
  const plain = lines.filter((l) => !/^Node\.js v\d/.test(l) && !/^at /.test(l) && !l.startsWith(INITDB_ERROR) && !/^\^+$/.test(l));
  return plain.slice(-2).join('; ') || 'no error was printed';
}

/**
 * Creates the database in `dataDir` (PGlite's initdb) in a child Node process that opens it on a
 * `workerScript` thread of its own (see initdbScript); resolves when it exited cleanly.
 * On `signal` the child is killed, and this rejects (an AbortError) only once it has exited.
 */
function initdbApart(dataDir: string, workerScript: URL, nodePath: string, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = spawn(nodePath, ['--input-type=module', '-e', initdbScript(dataDir, workerScript)], { cwd: fileURLToPath(new URL('.', workerScript)), stdio: ['pipe', 'ignore', 'pipe'] });
    let output = '';
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('exit', (code, exitSignal) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason instanceof Error ? signal.reason : new DOMException('the first start was stopped', 'AbortError'));
      else if (code === 0) resolve();
      else reject(new Error(`the database could not be created (initdb ${exitSignal ?? `exited ${code}`}): ${initdbFailure(output)}`));
    });
  });
}
