import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, SERVER_BIN } from '../../test/support/binaries.js';
import { initdbFailure, openEmbeddedDatabase } from './pglite-worker-client.js';

// The worker runs the built file (npm test builds first), as the server does.
const workerScript = new URL('../../dist/server/pglite-worker.js', import.meta.url);
if (!existsSync(workerScript)) throw new Error('dist/server/pglite-worker.js is missing: run npm run build');

/** The ids of the processes whose command line names `dataDir` (the initdb child carries it in its script). Linux's /proc. */
function processesFor(dataDir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(JSON.stringify(dataDir))) found.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(process.platform !== 'linux')('the embedded database\'s first start', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-pglite-first-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('stopped during initdb, kills the initdb child and settles only once it exited; the next start makes the database again', async () => {
    const dataDir = join(tempDir(), 'pglite');
    const stop = new AbortController();
    const opening = openEmbeddedDatabase(dataDir, workerScript, async () => undefined, process.execPath, stop.signal);
    const [child] = await eventually(() => (processesFor(dataDir).length > 0 ? processesFor(dataDir) : undefined), 'the initdb child', 60_000);
    stop.abort();
    await expect(opening).rejects.toMatchObject({ name: 'AbortError' });
    expect(alive(child!)).toBe(false);
    expect(processesFor(dataDir)).toEqual([]);
    // Half made (or not begun): marked so, and made again from scratch at the next start.
    expect(existsSync(`${dataDir}.initdb-incomplete`)).toBe(true);
    const sql = await openEmbeddedDatabase(dataDir, workerScript, async (db) => void (await db.exec('create table kept (v text)')), process.execPath);
    try {
      expect((await sql.query<{ n: number }>('select count(*)::int as n from kept')).rows).toEqual([{ n: 0 }]);
    } finally {
      await sql.close();
    }
    expect(existsSync(`${dataDir}.initdb-incomplete`)).toBe(false);
  }, 240_000);

  it('makes again a data dir whose initdb was killed midway (left with PG_VERSION but marked unfinished)', async () => {
    const dataDir = join(tempDir(), 'pglite');
    // What a killed initdb leaves: the version file is among the first it writes.
    rmSync(dataDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dataDir, 'base'), { recursive: true }));
    writeFileSync(join(dataDir, 'PG_VERSION'), '17\n');
    writeFileSync(`${dataDir}.initdb-incomplete`, 'initdb started\n');
    const sql = await openEmbeddedDatabase(dataDir, workerScript, async () => undefined, process.execPath);
    try {
      expect((await sql.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await sql.close();
    }
  }, 240_000);

  it('the initdb child ends by itself, without finishing, when the server that started it is killed with SIGKILL', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'pglite');
    const server = spawn(process.execPath, [SERVER_BIN, '--port', '0', '--host', '127.0.0.1', '--data-dir', dir], { stdio: 'ignore' });
    const [child] = await eventually(() => (processesFor(dataDir).length > 0 ? processesFor(dataDir) : undefined), 'the initdb child', 60_000);
    server.kill('SIGKILL');
    await eventually(() => (alive(child!) ? undefined : true), 'the initdb child to end', 60_000);
    // It stopped writing when its parent went: initdb had not copied template1 into the postgres database.
    expect(existsSync(join(dataDir, 'base', '5'))).toBe(false);
    expect(existsSync(`${dataDir}.initdb-incomplete`)).toBe(true);
  }, 120_000);

  it('a server stopped with SIGINT during its first start ends its initdb child before it releases the data dir', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'pglite');
    const server = spawn(process.execPath, [SERVER_BIN, '--port', '0', '--host', '127.0.0.1', '--data-dir', dir], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    const [child] = await eventually(() => (processesFor(dataDir).length > 0 ? processesFor(dataDir) : undefined), 'the initdb child', 60_000);
    server.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(alive(child!)).toBe(false);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  }, 120_000);

  it('reports the error that stopped initdb, not Node\'s version banner', async () => {
    const dir = tempDir();
    // Where the database should go there is a file: PGlite's file system refuses it.
    writeFileSync(join(dir, 'pglite'), '');
    const failed = openEmbeddedDatabase(join(dir, 'pglite'), workerScript, async () => undefined, process.execPath);
    await expect(failed).rejects.toThrow(/initdb exited 1\): the file system refused: ENOTDIR \(errno 54\)$/);
  }, 120_000);

  it('reads the reported error out of the child\'s stderr, and otherwise skips the banner and the stack frames', () => {
    const banner = '\nNode.js v20.20.2\n';
    expect(initdbFailure(`initdb-error:{"message":"EACCES: permission denied, mkdir '/d/pglite/base'","code":"EACCES"}${banner}`)).toBe("EACCES: permission denied, mkdir '/d/pglite/base' (EACCES)");
    expect(initdbFailure(`file:///x.js:1\nthrow new Error('boom');\n^\n\nError: boom\n    at file:///x.js:1:7\n    at ModuleJob.run (node:internal)${banner}`)).toBe("throw new Error('boom');; Error: boom");
  });
});
