import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, registerUsers } from '../support/binaries.js';


/** Every file under a folder, as bytes. */
async function filesUnder(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(entries.filter((e) => e.isFile()).map(async (e) => ({ path: join(e.parentPath, e.name), bytes: await readFile(join(e.parentPath, e.name)) })));
}

describe('private rooms leave no plaintext behind', () => {
  let dir: string;
  let server: ServerProcess;
  beforeAll(async () => {
    dir = await tempDir('plaintext');
    // The embedded database, so that everything the server keeps lies in its data dir.
    server = await startServer({ dataDir: join(dir, 'data'), env: { LOG_LEVEL: 'trace' } });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('in the server data dir, its log, or either client’s files — searched and summarized included', async () => {
    const [alice, bob] = await registerUsers(dir, server.url, ['alice', 'bob']);
    expect((await chat(alice, ['create', 'vault', '--private'])).code).toBe(0);
    const invite = JSON.parse((await chat(alice, ['--json', 'invite', 'vault'])).stdout) as { url: string };
    expect((await chat(bob, ['join', invite.url])).code).toBe(0);
    const secret = `plaintextmarker${randomUUID().replace(/-/g, '')}`;
    const reply = `replymarker${randomUUID().replace(/-/g, '')}`;
    expect((await chat(alice, ['send', 'vault', `the code is ${secret}`])).code).toBe(0);
    expect((await chat(bob, ['send', 'vault', `got it ${reply}`])).code).toBe(0);
    const read = await chat(bob, ['read', 'vault']);
    expect(read.stdout).toContain(secret);
    expect((await chat(alice, ['search', secret])).stdout).toContain(secret);
    expect((await chat(alice, ['summarize', 'vault'])).code).toBe(0);
    // Make the server write out what it holds.
    expect(await server.stop()).toBe(0);

    const leaks: string[] = [];
    for (const folder of [join(dir, 'data'), join(dir, 'alice'), join(dir, 'bob')]) {
      for (const { path, bytes } of await filesUnder(folder)) {
        for (const marker of [secret, reply]) {
          if (bytes.includes(marker) || bytes.includes(Buffer.from(marker, 'utf16le'))) leaks.push(`${path}: ${marker}`);
        }
      }
    }
    for (const marker of [secret, reply]) if (server.output().includes(marker)) leaks.push(`server log: ${marker}`);
    expect(leaks).toEqual([]);
  }, 120_000);
});
