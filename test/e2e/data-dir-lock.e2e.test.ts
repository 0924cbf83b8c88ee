import { afterEach, describe, expect, it } from 'vitest';
import { SERVER_BIN, startServer, tempDir } from '../support/binaries.js';
import type { ServerProcess } from '../support/binaries.js';
import { signalGroup, spawnTracked } from '../support/processes.js';

const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop({ graceMs: 5_000 });
});

/** Runs a second `chat-server` on the data dir until it exits (killed after 60 s): its code and output. */
function runSecond(dataDir: string): Promise<{ code: number | null; output: string }> {
  const proc = spawnTracked(process.execPath, [SERVER_BIN, '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  // A second server that serves instead of refusing is the failure this test looks for.
  const timer = setTimeout(() => signalGroup(proc, 'SIGKILL'), 60_000);
  return new Promise((resolve) => {
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('one data dir, one server', () => {
  it('refuses a second server on a data dir in use with one line naming it, and the first keeps serving', { timeout: 180_000 }, async () => {
    const dataDir = await tempDir('lock');
    const first = await startServer({ dataDir });
    servers.push(first);
    const second = await runSecond(dataDir);
    expect(second.code).toBe(1);
    expect(second.output.trim().split('\n')).toEqual([expect.stringContaining(`another chat-server is using the data dir ${dataDir}`)]);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    // Stopped, the first lets the next one in.
    expect(await (servers.pop() as ServerProcess).stop()).toBe(0);
    const next = await startServer({ dataDir });
    servers.push(next);
    expect((await fetch(`${next.url}/readyz`)).status).toBe(200);
  });
});
