import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, eventually, spawnChat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';

const PASSWORD = 'correct horse battery staple\n';

describe('stopping and replacing a device approval with the chat binary', () => {
  let dir: string;
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let alice: Record<string, string>;
  let laptop: Record<string, string>;

  /** The verifications of the account, newest last: their step and reason as the server keeps them. */
  const verifications = async (): Promise<{ step: string; reason: string | null }[]> => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ state: { step: string; reason: string | null } }>(`SELECT state FROM device_verifications ORDER BY created_at`);
      return rows.map((r) => ({ step: r.state.step, reason: r.state.reason }));
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    dir = await tempDir('approval-stop');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    alice = userEnv(join(dir, 'alice'), server.url);
    laptop = userEnv(join(dir, 'laptop'), server.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    expect((await chat(laptop, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('Ctrl-C ends `chat devices request` while it waits, with exit code 130, and cancels the request on the server', async () => {
    const request = spawnChat(laptop, ['devices', 'request'], { stdin: 'pipe' });
    await eventually(() => /Waiting for another of your devices/.test(request.stderr()) || undefined, 'the request waiting', 60_000);
    await eventually(async () => ((await verifications()).at(-1)?.step === 'requested' ? true : undefined), 'the request on the server');
    expect(await request.interrupt()).toBe(130);
    expect((await verifications()).at(-1)).toEqual({ step: 'cancelled', reason: 'the new device stopped waiting' });
  }, 90_000);

  it('SIGTERM ends `chat devices approve` while it waits for the new device, with exit code 143 (128 + SIGTERM)', async () => {
    const approve = spawnChat(alice, ['devices', 'approve'], { stdin: 'pipe' });
    await eventually(() => /Waiting for the new device to ask/.test(approve.stderr()) || undefined, 'the approver waiting', 60_000);
    approve.proc.kill('SIGTERM');
    expect(await approve.exited).toBe(143);
  }, 90_000);

  it('a newer request from the same device cancels the older one on both sides at once, with the reason, before a code is typed', async () => {
    const approve = spawnChat(alice, ['devices', 'approve'], { stdin: 'pipe' });
    const old = spawnChat(laptop, ['devices', 'request'], { stdin: 'pipe' });
    const codeShown = (text: () => string) => eventually(() => /Code: \d{4} \d{4} \d{4}/.exec(text())?.[0], 'a code', 60_000);
    await Promise.all([codeShown(approve.stderr), codeShown(old.stderr)]);
    // The same device asks again (another terminal on it): the server cancels the older request.
    const newer = spawnChat(laptop, ['devices', 'request'], { stdin: 'pipe' });
    const reason = /the approval was cancelled: a newer request from the same device replaced it/;
    expect(await old.exited).toBe(5);
    expect(old.stderr()).toMatch(reason);
    expect(await approve.exited).toBe(5);
    expect(approve.stderr()).toMatch(reason);
    expect(await newer.interrupt()).toBe(130);
  }, 120_000);
});
