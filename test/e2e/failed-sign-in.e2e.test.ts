import { cp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, registerUsers, startServer, tempDir } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';

const PASSWORD = 'correct horse battery staple\n';

describe('the session open before a sign-in: kept when the sign-in fails, ended (on its own server) when it succeeds', () => {
  let dir: string;
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let alice: Record<string, string>;
  let deviceId: string;

  const whoami = async () => {
    const r = await chat(alice, ['--json', 'whoami']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { user: { username: string }; deviceId: string };
  };
  const start = () => startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url }, ...(server ? { port: server.port } : {}) });

  beforeAll(async () => {
    dir = await tempDir('failed-sign-in');
    db = await createTestDatabase();
    server = await start();
    [alice] = await registerUsers(dir, server.url, ['alice', 'bob']);
    deviceId = (await whoami()).deviceId;
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('keeps it after a wrong password (as the same user or another) and after registering a name that is taken', async () => {
    const wrong = await chat(alice, ['login', 'alice', '--password-stdin'], 'wrongpass\n');
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/wrong username or password/);
    expect((await chat(alice, ['login', 'bob', '--password-stdin'], 'wrongpass\n')).code).toBe(4);
    expect((await chat(alice, ['register', 'bob', '--password-stdin'], `${PASSWORD}${PASSWORD}`)).code).not.toBe(0);
    expect(await whoami()).toMatchObject({ user: { username: 'alice' }, deviceId });
  }, 60_000);

  it('keeps it when the server cannot be reached, and it still works once the server is back', async () => {
    await server.stop();
    expect((await chat(alice, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(1);
    expect((await chat(alice, ['register', 'carol', '--password-stdin'], `${PASSWORD}${PASSWORD}`)).code).toBe(1);
    // A lookup that cannot reach the server is the network error (exit 1), not "not found" (exit 5).
    const verify = await chat(alice, ['verify', 'bob']);
    expect(verify.code, verify.stderr).toBe(1);
    server = await start();
    expect((await chat(alice, ['verify', 'bob'])).code).toBe(0);
    expect(await whoami()).toMatchObject({ user: { username: 'alice' }, deviceId });
    const again = await chat(alice, ['--json', 'login', 'alice', '--password-stdin'], PASSWORD);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ deviceId, resumed: true });
    // The session replaced was ended with its own tokens, not the new one.
    expect(await whoami()).toMatchObject({ user: { username: 'alice' }, deviceId });
  }, 120_000);

  it('a sign-in to another server ends the session open on the first one', async () => {
    const other = await startServer({ dataDir: join(dir, 'other-data') });
    try {
      // A copy of alice's home made beforehand holds the same session (its keystore is sealed to the
      // home's path, so the copy is put back there): whether it still works on the first server tells
      // whether signing in elsewhere ended that session there.
      const home = alice.CHAT_HOME!;
      const before = join(dir, 'alice-before');
      await cp(home, before, { recursive: true });
      const registered = await chat({ ...alice, CHAT_SERVER: other.url }, ['register', 'alice', '--password-stdin'], `${PASSWORD}${PASSWORD}`);
      expect(registered.code, registered.stderr).toBe(0);
      expect((await chat({ ...alice, CHAT_SERVER: other.url }, ['whoami'])).code).toBe(0);
      const after = join(dir, 'alice-after');
      await rename(home, after);
      await rename(before, home);
      const stale = await chat(alice, ['whoami']);
      expect(stale.code, stale.stdout).toBe(4);
      expect(stale.stderr).toMatch(/sign/i);
      await rm(home, { recursive: true });
      await rename(after, home);
    } finally {
      await other.stop();
    }
  }, 120_000);
});
