import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { approveByCodes, chat, eventually, spawnChat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';
import { haveTmux, terminals } from '../support/tmux.js';

// Issue #14 with the built binaries: approving a new device from an existing one moves the history.
// Alice registers on device 1 (its own HOME), sends in a private room, signs in on device 2, approves
// it from device 1 with `chat devices approve` (typed digits), and reads the earlier messages on
// device 2; device 1's full-screen client (in tmux) approves another terminal, which reads them too;
// then, with device 1 gone, a new device does the same with the recovery key.
const PASSWORD = 'correct horse battery staple\n';
type Read = { events: { kind: string; decrypted?: { status: string; body?: string } }[] };
type Devices = { thisDevice: { deviceId: string; status: string } };

describe('approving a new device moves the earlier private history to it', () => {
  let dir: string;
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let device1: Record<string, string>;
  let device2: Record<string, string>;
  let bob: Record<string, string>;
  let recoveryKey: string;
  const earlier = [`alice before ${randomUUID()}`, `bob before ${randomUUID()}`, `alice again ${randomUUID()}`];

  const json = async <T>(env: Record<string, string>, args: string[], stdin?: string): Promise<T> => {
    const r = await chat(env, ['--json', ...args], stdin);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const bodies = async (env: Record<string, string>) => (await json<Read>(env, ['read', 'secret'])).events.filter((e) => e.kind === 'message').map((e) => e.decrypted);

  beforeAll(async () => {
    dir = await tempDir('approval-history');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    device1 = userEnv(join(dir, 'alice-1'), server.url);
    device2 = userEnv(join(dir, 'alice-2'), server.url);
    bob = userEnv(join(dir, 'bob'), server.url);
    recoveryKey = (await json<{ recoveryKey: string }>(device1, ['register', 'alice', '--password-stdin'], PASSWORD)).recoveryKey;
    expect((await chat(bob, ['register', 'bob', '--password-stdin'], PASSWORD)).code).toBe(0);
    expect((await chat(device1, ['create', 'secret', '--private'])).code).toBe(0);
    const invite = (await json<{ url: string }>(device1, ['invite', 'secret'])).url;
    expect((await chat(bob, ['join', invite])).code).toBe(0);
    expect((await chat(device1, ['send', 'secret', earlier[0]!])).code).toBe(0);
    expect((await chat(bob, ['send', 'secret', earlier[1]!])).code).toBe(0);
    expect((await chat(device1, ['send', 'secret', earlier[2]!])).code).toBe(0);
    // Device 1 reads them: Bob's key is kept there (and so goes into the key backup).
    expect((await bodies(device1)).map((d) => d?.body)).toEqual(earlier);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('device 2, approved from device 1 by typed digits, reads the messages sent before it signed in', async () => {
    expect((await chat(device2, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    expect((await json<Devices>(device2, ['devices'])).thisDevice.status).toBe('unapproved');
    expect((await bodies(device2)).map((d) => d?.status)).not.toContain('ok');

    const run = await approveByCodes(device1, device2, { json: true });
    expect(run.codeA).toBe(run.codeN);
    expect(run.approver, run.a.stderr()).toBe(0);
    expect(run.newcomer, run.n.stderr()).toBe(0);
    expect(JSON.parse(run.n.stdout())).toMatchObject({ approved: true, history: 'restored', restored: { identity: 'restored' } });

    expect(await bodies(device2)).toEqual(earlier.map((body) => expect.objectContaining({ status: 'ok', body })));
    // It holds the identity key now, as device 1 does.
    expect((await json<Devices>(device2, ['devices'])).thisDevice.status).toBe('holder');
  }, 240_000);

  it.runIf(haveTmux)('device 1 in the full-screen client approves a terminal (Ctrl+O, a, y), which reads the earlier messages', async () => {
    const tty = terminals('approval-history');
    try {
      tty.start('one', device1);
      const device4 = userEnv(join(dir, 'alice-4'), server.url);
      expect((await chat(device4, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
      const asking = spawnChat(device4, ['--json', 'devices', 'request'], { stdin: 'pipe' });
      await tty.see('one', (s) => s.includes('New sign-in to your account'), 'the prompt', 60_000);
      tty.press('one', 'C-o');
      tty.type('one', 'a');
      const code = await eventually(() => /Code: (\d{4} \d{4} \d{4})/.exec(asking.stderr())?.[1], 'the terminal’s code', 60_000);
      await tty.see('one', (s) => s.includes(code), 'the same digits', 60_000);
      tty.type('one', 'y');
      asking.proc.stdin?.end(`${code}\n`);
      expect(await asking.exited, asking.stderr()).toBe(0);
      expect(JSON.parse(asking.stdout())).toMatchObject({ approved: true, history: 'restored' });
      await tty.see('one', (s) => s.includes('✓ Approved'), 'approved', 60_000);
      expect(await bodies(device4)).toEqual(earlier.map((body) => expect.objectContaining({ status: 'ok', body })));
    } finally {
      tty.close();
    }
  }, 240_000);

  it('with device 1 gone, a new device reads them with the recovery key', async () => {
    const id1 = (await json<Devices>(device1, ['devices'])).thisDevice.deviceId;
    expect((await chat(device2, ['devices', 'revoke', id1])).code).toBe(0);
    await rm(join(dir, 'alice-1'), { recursive: true, force: true });

    const device3 = userEnv(join(dir, 'alice-3'), server.url);
    expect((await chat(device3, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    const restored = await chat(device3, ['keys', 'restore'], `${recoveryKey}\n`);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await bodies(device3)).toEqual(earlier.map((body) => expect.objectContaining({ status: 'ok', body })));
    expect((await json<Devices>(device3, ['devices'])).thisDevice.status).toBe('holder');
  }, 240_000);
});
