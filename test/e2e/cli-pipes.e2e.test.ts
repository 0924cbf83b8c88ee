import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { CHAT_BIN, chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { spawnTracked } from '../support/processes.js';

// `chat` in a pipe whose reader is slow or goes away. Writes to a pipe are asynchronous in Node, and the
// command used to exit as soon as it was done: a reader that paused got the first 64 KiB and cut-off
// JSON; a reader that went away (`| head`) crashed it with an unhandled EPIPE and a stack trace.
describe('chat in a pipe', () => {
  let server: ServerProcess;
  let alice: Record<string, string>;
  const BODY = (i: number) => `message ${i} ${'x'.repeat(15_000)}`;

  /**
   * Runs `chat --json read big | <reader>` in bash, a real pipe (64 KiB; a child's 'pipe' stdio from
   * Node is a socket pair that holds much more); resolves with the reader's output, then `rc=<chat's exit
   * code>` on the last line, and chat's stderr.
   */
  const readThrough = (reader: string) =>
    new Promise<{ out: string; rc: number; stderr: string }>((resolve, reject) => {
      const line = `"${process.execPath}" "${CHAT_BIN}" --json read big 2>"$ERR" | ${reader}; echo "rc=\${PIPESTATUS[0]}"; cat "$ERR" >&2`;
      const proc = spawnTracked('bash', ['-c', line], { env: { ...process.env, ...alice, ERR: join(dir, `stderr-${Math.random()}`) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      proc.once('error', reject);
      proc.once('close', () => {
        const rc = /rc=(\d+)\n?$/.exec(stdout);
        if (!rc) return reject(new Error(`no exit code in: ${stdout.slice(-200)}`));
        resolve({ out: stdout.slice(0, rc.index), rc: Number(rc[1]), stderr });
      });
    });

  let dir = '';

  beforeAll(async () => {
    dir = await tempDir('pipes');
    server = await startServer({ dataDir: join(dir, 'data') });
    alice = userEnv(join(dir, 'alice'), server.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], 'correct horse battery\n')).code).toBe(0);
    expect((await chat(alice, ['create', 'big'])).code).toBe(0);
    for (let i = 0; i < 5; i++) {
      const sent = await chat(alice, ['send', 'big'], BODY(i));
      expect(sent.code, sent.stderr).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('writes all of a long answer to a reader that pauses before reading (more than a pipe holds)', async () => {
    const got = await readThrough('(sleep 1; cat)');
    expect(got.rc, got.stderr).toBe(0);
    const events = (JSON.parse(got.out) as { events: { kind: string; body: string }[] }).events.filter((e) => e.kind === 'message');
    expect(events.map((e) => e.body)).toEqual([0, 1, 2, 3, 4].map(BODY));
  }, 60_000);

  it('ends quietly with 141 when the reader goes away (`| head -c 10`)', async () => {
    const got = await readThrough('head -c 10');
    expect(got.out).toBe('{"room":{"');
    expect(got.rc).toBe(141);
    expect(got.stderr).toBe('');
  }, 60_000);
});
