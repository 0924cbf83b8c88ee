import { randomUUID } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { createTestDatabase, dumpDatabase } from '../support/postgres.js';

const PASSWORD = 'correct horse battery staple\n';
const RECOVERY_KEY = /([0-9A-HJKMNP-TV-Z]{4} ){11}[0-9A-HJKMNP-TV-Z]{4}/;

type Devices = { thisDevice: { deviceId: string; status: string } };
type Read = { events: { kind: string; sender: { username: string }; decrypted?: { status: string; body?: string } }[] };
const bodies = (stdout: string) =>
  (JSON.parse(stdout) as Read).events.filter((e) => e.kind === 'message').map((e) => `${e.sender.username}: ${e.decrypted?.body ?? e.decrypted?.status}`);

describe('the encrypted key backup with the chat binary', () => {
  let dir: string;
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    dir = await tempDir('key-backup');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('shows the recovery key once on stderr at registration, with what losing it means, and never on stdout', async () => {
    const carol = userEnv(join(dir, 'carol'), server.url);
    const registered = await chat(carol, ['register', 'carol', '--password-stdin'], PASSWORD);
    expect(registered.code).toBe(0);
    expect(registered.stderr).toMatch(RECOVERY_KEY);
    expect(registered.stderr).toContain('lost for');
    expect(registered.stdout).not.toMatch(RECOVERY_KEY);
    const key = RECOVERY_KEY.exec(registered.stderr)?.[0] ?? '';
    expect(await dumpDatabase(db.url)).not.toContain(key);
    // Nor in any file of the device (config, key store, end-to-end store), grouped or not.
    const files = (await readdir(join(dir, 'carol'), { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = (await readFile(join(f.parentPath, f.name))).toString('latin1');
      for (const form of [key, key.replace(/ /g, ''), key.replace(/ /g, '-')]) expect(bytes, f.name).not.toContain(form);
    }
  }, 60_000);

  it('lets a new device restore with the recovery key, with the first device gone: it reads the earlier private messages and is approved, so members share new keys with it', async () => {
    const device1 = userEnv(join(dir, 'alice-1'), server.url);
    const device2 = userEnv(join(dir, 'alice-2'), server.url);
    const bob = userEnv(join(dir, 'bob'), server.url);
    const registered = await chat(device1, ['--json', 'register', 'alice', '--password-stdin'], PASSWORD);
    expect(registered.code).toBe(0);
    const { recoveryKey, deviceId } = JSON.parse(registered.stdout) as { recoveryKey: string; deviceId: string };
    expect(recoveryKey).toMatch(RECOVERY_KEY);
    expect((await chat(bob, ['register', 'bob', '--password-stdin'], PASSWORD)).code).toBe(0);

    expect((await chat(device1, ['create', 'vault', '--private'])).code).toBe(0);
    const invite = JSON.parse((await chat(device1, ['--json', 'invite', 'vault', '--uses', '1'])).stdout) as { url: string };
    expect((await chat(bob, ['join', invite.url])).code).toBe(0);
    const mine = `from alice ${randomUUID()}`;
    const theirs = `from bob ${randomUUID()}`;
    expect((await chat(device1, ['send', 'vault', mine])).code).toBe(0);
    expect((await chat(bob, ['send', 'vault', theirs])).code).toBe(0);
    // Device 1 reads Bob's message: his chain key comes to it and goes into the backup.
    expect(bodies((await chat(device1, ['--json', 'read', 'vault'])).stdout)).toEqual([`alice: ${mine}`, `bob: ${theirs}`]);

    expect((await chat(device2, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    // Device 1 is gone for good: its files deleted (device 2 revokes it once approved).
    await rm(join(dir, 'alice-1'), { recursive: true, force: true });
    const before = bodies((await chat(device2, ['--json', 'read', 'vault'])).stdout);
    // Both are from before device 2 signed in: it says so at once, rather than waiting for a key.
    expect(before).toEqual(['alice: before_device', 'bob: before_device']);
    // Nobody is left to approve device 2: other members share nothing with it.
    expect((JSON.parse((await chat(device2, ['--json', 'devices'])).stdout) as Devices).thisDevice.status).toBe('unapproved');

    // A wrong recovery key, and a mistyped one, say so and change nothing.
    // Exit 4, the code of a credential that does not open (docs/design.md), not 2 (usage).
    const wrong = await chat(device2, ['keys', 'restore'], 'ABCD EFGH JKMN PQRS TVWX YZ01 2345 6789 ABCD EFGH JKMN PQRS\n');
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/not a recovery key|mistyped/);
    expect(wrong.stderr).toContain('nothing changed');

    const restored = await chat(device2, ['--json', 'keys', 'restore'], `${recoveryKey.toLowerCase()}\n`);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ version: 1, added: 2, refused: 0, identity: 'restored' });
    expect(bodies((await chat(device2, ['--json', 'read', 'vault'])).stdout)).toEqual([`alice: ${mine}`, `bob: ${theirs}`]);

    // The backup's identity key signed device 2 (approval with the recovery key): Bob's device sees
    // it approved and shares the keys of what he sends next with it.
    expect((JSON.parse((await chat(device2, ['--json', 'devices'])).stdout) as Devices).thisDevice.status).toBe('holder');
    expect((await chat(device2, ['keys', '--revoke', deviceId])).code).toBe(0);
    const later = `later from bob ${randomUUID()}`;
    expect((await chat(bob, ['send', 'vault', later])).code).toBe(0);
    expect(bodies((await chat(device2, ['--json', 'read', 'vault'])).stdout)).toEqual([`alice: ${mine}`, `bob: ${theirs}`, `bob: ${later}`]);

    const dump = await dumpDatabase(db.url);
    for (const secret of [mine, theirs, later, recoveryKey]) expect(dump).not.toContain(secret);
  }, 180_000);

  it('rotates the recovery key: the old key no longer opens the backup, the new one does', async () => {
    const device = userEnv(join(dir, 'dave-1'), server.url);
    const fresh = userEnv(join(dir, 'dave-2'), server.url);
    const first = JSON.parse((await chat(device, ['--json', 'register', 'dave', '--password-stdin'], PASSWORD)).stdout) as { recoveryKey: string };
    const rotated = await chat(device, ['keys', 'backup']);
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toMatch(RECOVERY_KEY);
    expect(rotated.stdout).not.toMatch(RECOVERY_KEY);
    const second = RECOVERY_KEY.exec(rotated.stderr)?.[0] ?? '';
    expect(second).not.toBe(first.recoveryKey);
    expect((await chat(fresh, ['login', 'dave', '--password-stdin'], PASSWORD)).code).toBe(0);
    const old = await chat(fresh, ['keys', 'restore'], first.recoveryKey);
    expect(old.code).toBe(4);
    expect(old.stderr).toContain('not the recovery key of your key backup');
    expect((await chat(fresh, ['keys', 'restore'], second)).code).toBe(0);
  }, 120_000);
});
