import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, eventually, spawnChat, startServer, tempDir, userEnv, registerUsers } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';

const PASSWORD = 'correct horse battery staple\n';

type Read = { events: { kind: string; decrypted?: { status: string; body?: string } }[] };
type Listed = {
  deviceId: string;
  name: string;
  approved: boolean;
  current: boolean;
  createdAt: string;
  addedFrom: string | null;
  signedInAt: string | null;
  signedInFrom: string | null;
  lastSeenAt: string | null;
};
type Devices = { thisDevice: { deviceId: string; status: string }; devices: Listed[] };

describe('signing out and in again on the same machine, and the device list', () => {
  let dir: string;
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let alice: Record<string, string>;
  let bob: Record<string, string>;

  const json = async <T>(env: Record<string, string>, args: string[]): Promise<T> => {
    const r = await chat(env, ['--json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const bodies = async (env: Record<string, string>, room: string) => (await json<Read>(env, ['read', room])).events.filter((e) => e.kind === 'message').map((e) => e.decrypted);

  beforeAll(async () => {
    dir = await tempDir('device-resume');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    [alice, bob] = await registerUsers(dir, server.url, ['alice', 'bob']);
    expect((await chat(alice, ['create', 'secret', '--private'])).code).toBe(0);
    const invite = (await json<{ url: string }>(alice, ['invite', 'secret'])).url;
    expect((await chat(bob, ['join', invite])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('lists each device verified or not, this one marked, with when and from where it was added and when it was last seen', async () => {
    const listed = await json<Devices>(alice, ['devices']);
    expect(listed.devices).toHaveLength(1);
    const [me] = listed.devices;
    expect(me).toMatchObject({ deviceId: listed.thisDevice.deviceId, approved: true, current: true, addedFrom: '127.0.0.1', signedInFrom: '127.0.0.1' });
    expect(me?.lastSeenAt).not.toBeNull();
    const text = await chat(alice, ['devices']);
    expect(text.stdout).toMatch(new RegExp(`\\* approved +chat-cli on .*\\(${listed.thisDevice.deviceId}\\), added 20\\d\\d-\\d\\d-\\d\\d \\d\\d:\\d\\d from 127\\.0\\.0\\.1 \\(this device\\)`));
    expect(text.stdout).toMatch(/last seen (just now|\d+ minutes? ago)/);
  }, 60_000);

  it('tells a following device at once when a device signs in to the account, with where and when', async () => {
    const follow = spawnChat(alice, ['read', 'secret', '--follow']);
    try {
      // Following has begun once a message sent now shows.
      const ready = `ready ${randomUUID()}`;
      expect((await chat(bob, ['send', 'secret', ready])).code).toBe(0);
      await eventually(() => (follow.stdout().includes(ready) ? true : undefined), 'the follower to print a message', 60_000);
      const other = userEnv(join(dir, 'alice-other'), server.url);
      const login = await chat(other, ['login', 'alice', '--password-stdin'], PASSWORD);
      expect(login.code, login.stderr).toBe(0);
      const line = await eventually(
        () => follow.stderr().split('\n').find((l) => l.includes('A new device signed in to your account')),
        'the announcement on the follower',
        60_000,
      );
      expect(line).toMatch(/\) at 20\d\d-\d\d-\d\d \d\d:\d\d from 127\.0\.0\.1\. If it is yours, approve it/);
    } finally {
      await follow.interrupt();
    }
  }, 120_000);

  it('keeps the device on a plain logout: signing in again resumes it, still approved, and it reads its history', async () => {
    const before = await json<Devices>(alice, ['devices']);
    const secret = `before the logout ${randomUUID()}`;
    expect((await chat(bob, ['send', 'secret', secret])).code).toBe(0);
    expect((await bodies(alice, 'secret')).map((d) => d?.body)).toContain(secret);

    const out = await json<{ signedOut: boolean; deviceRevoked: boolean; deviceKept: boolean }>(alice, ['logout']);
    expect(out).toMatchObject({ signedOut: true, deviceRevoked: false, deviceKept: true });
    expect((await chat(alice, ['devices'])).code).toBe(4);

    const login = await chat(alice, ['--json', 'login', 'alice', '--password-stdin'], PASSWORD);
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ deviceId: before.thisDevice.deviceId, resumed: true });
    const after = await json<Devices>(alice, ['devices']);
    expect(after.thisDevice).toEqual(before.thisDevice);
    expect(after.devices.map((d) => d.deviceId).sort()).toEqual(before.devices.map((d) => d.deviceId).sort());
    expect((await bodies(alice, 'secret')).map((d) => d?.body)).toContain(secret);
    // Members still share with it: a message sent now opens too.
    const later = `after the login ${randomUUID()}`;
    expect((await chat(bob, ['send', 'secret', later])).code).toBe(0);
    expect((await bodies(alice, 'secret')).at(-1)).toMatchObject({ status: 'ok', body: later });
  }, 180_000);

  it('forgets the device on `chat logout --forget-device`: the next sign-in is a new, unapproved device', async () => {
    const before = await json<Devices>(alice, ['devices']);
    const out = await json<{ deviceRevoked: boolean; deviceKept: boolean }>(alice, ['logout', '--forget-device']);
    expect(out).toMatchObject({ deviceRevoked: true, deviceKept: false });
    const login = await chat(alice, ['--json', 'login', 'alice', '--password-stdin'], PASSWORD);
    expect(login.code, login.stderr).toBe(0);
    const fresh = JSON.parse(login.stdout) as { deviceId: string; resumed: boolean };
    expect(fresh.resumed).toBe(false);
    expect(fresh.deviceId).not.toBe(before.thisDevice.deviceId);
    const now = await json<Devices>(alice, ['devices']);
    expect(now.thisDevice.status).toBe('unapproved');
    expect(now.devices.map((d) => d.deviceId)).not.toContain(before.thisDevice.deviceId);
  }, 180_000);
});
