import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { approveByCodes, chat, startServer, tempDir, userEnv, registerUsers } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';

const PASSWORD = 'correct horse battery staple\n';

type Read = { events: { kind: string; decrypted?: { status: string; body?: string } }[] };
type Devices = { thisDevice: { deviceId: string; status: string }; devices: { deviceId: string; approved: boolean }[] };

describe('cross-signing with the chat binary', () => {
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
  const sharesTo = async (deviceId: string): Promise<number> => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM key_shares WHERE recipient_device = $1`, [deviceId]);
      return rows[0]!.n;
    } finally {
      await client.end();
    }
  };

  /** Runs `chat devices approve` on one device and `chat devices request` on the other, each typing the code the other shows (or `typed`). */
  async function approve(approver: Record<string, string>, newcomer: Record<string, string>, typed?: { onApprover?: string }) {
    const run = await approveByCodes(approver, newcomer, typed);
    expect(run.codeA).toBe(run.codeN);
    return run;
  }

  beforeAll(async () => {
    dir = await tempDir('cross-signing');
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

  it('shares nothing with a device signed in with the password until it is approved, keeps safety numbers, and tells the owner', async () => {
    const before = await json<{ safetyNumber: string }>(bob, ['verify', 'alice', '--confirm']);
    expect((await chat(bob, ['send', 'secret', 'hello'])).code).toBe(0);
    expect((await bodies(alice, 'secret')).at(-1)).toMatchObject({ status: 'ok', body: 'hello' });

    // Someone with alice's password signs in on another machine; it publishes a device.
    const intruder = userEnv(join(dir, 'intruder'), server.url);
    expect((await chat(intruder, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    const mine = await json<Devices>(intruder, ['devices']);
    expect(mine.thisDevice.status).toBe('unapproved');

    const secret = `after the sign-in ${randomUUID()}`;
    const sent = await chat(bob, ['send', 'secret', secret]);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/alice has 1 new device they have not approved/);
    expect(await sharesTo(mine.thisDevice.deviceId)).toBe(0);
    expect((await bodies(intruder, 'secret')).map((d) => d?.body)).not.toContain(secret);
    // Safety numbers are over identity keys: the new device changes nothing, and bob is not warned.
    const after = await json<{ safetyNumber: string; verified: boolean; changed: boolean }>(bob, ['verify', 'alice']);
    expect(after).toMatchObject({ safetyNumber: before.safetyNumber, verified: true, changed: false });
    expect((await chat(bob, ['read', 'secret'])).stderr).not.toMatch(/WARNING/);
    // The account's owner is told, with when it was added, and can see it is not approved.
    const told = await chat(alice, ['read', 'secret']);
    expect(told.stderr).toMatch(new RegExp(`A new device signed in to your account: .*\\(${mine.thisDevice.deviceId}\\), added 20`));
    const listed = await json<Devices>(alice, ['devices']);
    expect(listed.devices.find((d) => d.deviceId === mine.thisDevice.deviceId)).toMatchObject({ approved: false });
    // The unapproved device cannot revoke the owner's approved one.
    const revoke = await chat(intruder, ['devices', 'revoke', listed.thisDevice.deviceId]);
    expect(revoke.code).not.toBe(0);
    expect(revoke.stderr).toMatch(/only an approved device/);
  }, 120_000);

  it('approves a second device with matching codes (no terminal: codes on stdin), which then gets the keys', async () => {
    const second = userEnv(join(dir, 'alice2'), server.url);
    expect((await chat(second, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    const id = (await json<Devices>(second, ['devices'])).thisDevice.deviceId;
    const run = await approve(alice, second);
    expect(run.approver, run.a.stderr()).toBe(0);
    expect(run.newcomer, run.n.stderr()).toBe(0);
    // The approver sent its key backup's key over the verification: the new device restored the backup, identity key included.
    expect((await json<Devices>(second, ['devices'])).thisDevice.status).toBe('holder');
    expect((await json<Devices>(alice, ['devices'])).devices.find((d) => d.deviceId === id)).toMatchObject({ approved: true });
    const text = `after approval ${randomUUID()}`;
    expect((await chat(bob, ['send', 'secret', text])).code).toBe(0);
    expect((await bodies(second, 'secret')).at(-1)).toMatchObject({ status: 'ok', body: text });
  }, 180_000);

  it('refuses an approval when the codes typed do not match, and leaves the device unapproved', async () => {
    const third = userEnv(join(dir, 'alice3'), server.url);
    expect((await chat(third, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    const run = await approve(alice, third, { onApprover: '1000 1000 1000' });
    expect(run.approver).not.toBe(0);
    expect(run.a.stderr()).toMatch(/codes did not match/);
    expect(run.newcomer).not.toBe(0);
    expect((await json<Devices>(third, ['devices'])).thisDevice.status).toBe('unapproved');
  }, 180_000);

  it('stops sharing with a revoked device and closes its session', async () => {
    const fourth = userEnv(join(dir, 'alice4'), server.url);
    expect((await chat(fourth, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    const id = (await json<Devices>(fourth, ['devices'])).thisDevice.deviceId;
    const run = await approve(alice, fourth);
    expect(run.approver, `${run.a.stderr()}\n${run.n.stderr()}`).toBe(0);
    expect((await chat(bob, ['send', 'secret', 'to all of alice'])).code).toBe(0);
    const given = await sharesTo(id);
    expect(given).toBeGreaterThan(0);
    expect((await chat(alice, ['devices', 'revoke', id])).code).toBe(0);
    expect((await chat(bob, ['send', 'secret', `after the revoke ${randomUUID()}`])).code).toBe(0);
    expect(await sharesTo(id)).toBe(given);
    const read = await chat(fourth, ['read', 'secret']);
    expect(read.code).not.toBe(0);
  }, 180_000);

  it('revokes the device and deletes its keys on `chat logout --forget-device`; a plain logout does not revoke it', async () => {
    const kept = userEnv(join(dir, 'alice5'), server.url);
    const forgotten = userEnv(join(dir, 'alice6'), server.url);
    expect((await chat(kept, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    expect((await chat(forgotten, ['login', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    const keptId = (await json<Devices>(kept, ['devices'])).thisDevice.deviceId;
    const forgottenId = (await json<Devices>(forgotten, ['devices'])).thisDevice.deviceId;

    expect((await chat(kept, ['logout'])).code).toBe(0);
    const out = await chat(forgotten, ['--json', 'logout', '--forget-device']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ signedOut: true, deviceRevoked: true });

    const listed = (await json<Devices>(alice, ['devices'])).devices.map((d) => d.deviceId);
    expect(listed).toContain(keptId);
    expect(listed).not.toContain(forgottenId);
    // Signed out here: the profile and its keys are gone.
    expect((await chat(forgotten, ['devices'])).code).not.toBe(0);
  }, 180_000);
});
