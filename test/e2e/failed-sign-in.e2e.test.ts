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

  it('says on stderr when a sign-in replaced the profile\'s sign-in to another server, or as another user, and its device\'s keys', async () => {
    const other = await startServer({ dataDir: join(dir, 'other-data-2') });
    try {
      const [carol] = await registerUsers(dir, server.url, ['carol']);
      const elsewhere = await chat({ ...carol, CHAT_SERVER: other.url }, ['register', 'carol', '--password-stdin'], PASSWORD);
      expect(elsewhere.code, elsewhere.stderr).toBe(0);
      expect(elsewhere.stderr).toContain(`the session of carol on ${server.url} was ended, and that device's keys were removed from this profile`);
      expect(elsewhere.stderr).toContain('--profile NAME');
      // The note is not data: stdout is the sign-in's result alone, which names what was replaced.
      expect(elsewhere.stdout).not.toContain('Note:');
      // Signed out there already: said so; in --json the result names the sign-in replaced.
      expect((await chat({ ...carol, CHAT_SERVER: other.url }, ['logout'])).code).toBe(0);
      const back = await chat(carol, ['--json', 'login', 'carol', '--password-stdin'], PASSWORD);
      expect(back.code, back.stderr).toBe(0);
      expect(back.stderr).toContain(`carol on ${other.url} was signed out already, and that device's keys were removed from this profile`);
      expect(JSON.parse(back.stdout)).toMatchObject({ replaced: { server: other.url, username: 'carol', sessionEnded: false } });
      // Another user on the same server replaces the device too, and says so.
      const bob = await chat(carol, ['login', 'bob', '--password-stdin'], PASSWORD);
      expect(bob.code, bob.stderr).toBe(0);
      expect(bob.stderr).toContain(`the session of carol on ${server.url} was ended, and that device's keys were removed`);
      // Signing in again as the same user on the same server resumes the device, with no note.
      const again = await chat(carol, ['login', 'bob', '--password-stdin'], PASSWORD);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toContain('Note:');
    } finally {
      await other.stop();
    }
  }, 120_000);
});
