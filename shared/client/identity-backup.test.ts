import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportUserIdentity, generateUserIdentity, importUserIdentity, signDevice, verifyDeviceSignature } from '../crypto/index.js';
import type { UserIdentity } from '../crypto/index.js';
import type { BackupEntry, KeyBackupInfo, ListedBackupEntry } from '../protocol/index.js';
import { ChatError } from '../protocol/index.js';
import type { E2ESession } from './e2e-session.js';
import { SessionIdentityBackup } from './identity-backup.js';
import { KeyBackup } from './key-backup.js';
import type { KeyBackupOptions } from './key-backup.js';
import { MemoryE2EStore } from './memory-e2e-store.js';
import type { StoredSession } from './session-store.js';

/** One user's key backup on the server: versions and entries, the identity entry replaced on upload. */
function backupServer(): KeyBackupOptions['api'] {
  let current: { version: number; keyCheck: string } | null = null;
  let rows: (ListedBackupEntry & { version: number })[] = [];
  let seq = 0;
  return {
    keyBackup: async (): Promise<KeyBackupInfo | null> => current && { ...current, entries: rows.length, updatedAt: new Date().toISOString() },
    uploadBackupEntries: async (req) => {
      for (const e of req.entries as BackupEntry[]) {
        rows = rows.filter((r) => !(r.version === req.version && r.kind === e.kind && r.entryKey === e.entryKey));
        rows.push({ ...e, id: String(++seq), version: req.version });
      }
    },
    commitKeyBackup: async (req) => {
      current = { version: req.version, keyCheck: req.keyCheck };
      rows = rows.filter((r) => r.version === req.version);
      return { ...current, entries: rows.length, updatedAt: new Date().toISOString() };
    },
    backupEntries: async () => ({ entries: rows.map(({ version: _v, ...e }) => e), hasMore: false }),
  };
}

const sessionOf = (userId: string): StoredSession => ({ user: { id: userId, username: 'alice' }, deviceId: randomUUID(), accessToken: 'x', accessExpiresAt: new Date().toISOString(), refreshToken: 'x' });

/** The part of an E2E session the identity backup uses: the key held here, and adopting one (which the account must publish). */
function deviceSession(held: UserIdentity | undefined, published: () => string | undefined) {
  const device = {
    held,
    adopted: [] as UserIdentity[],
    heldIdentity: async () => device.held,
    adoptIdentity: async (identity: UserIdentity) => {
      if (identity.publicKey !== published()) throw new ChatError('conflict', 'that identity key is not the one this account publishes');
      device.adopted.push(identity);
      device.held = identity;
    },
  };
  return device;
}

function backupFor(session: StoredSession, device: ReturnType<typeof deviceSession>, api: KeyBackupOptions['api'], extractable: boolean) {
  const identity = new SessionIdentityBackup({ session, extractable, e2e: () => device as unknown as E2ESession });
  return { identity, backup: new KeyBackup({ api, store: new MemoryE2EStore(), session, identity }) };
}

const DEVICE = { userId: randomUUID(), deviceId: randomUUID(), signingKey: 'AAAA', dhKey: 'BBBB' };

describe('SessionIdentityBackup', () => {
  it('carries the identity key into the backup; a device restoring with the recovery key adopts it and can sign with it', async () => {
    const userId = randomUUID();
    const api = backupServer();
    const key = await generateUserIdentity(true);
    const first = backupFor(sessionOf(userId), deviceSession(key, () => key.publicKey), api, true);
    const made = await first.backup.create();
    expect(made.entries).toBe(1);

    const newcomer = deviceSession(undefined, () => key.publicKey);
    const report = await backupFor(sessionOf(userId), newcomer, api, false).backup.restore(made.recoveryKey);
    expect(report.identity).toBe('restored');
    const adopted = newcomer.adopted[0] as UserIdentity;
    expect(adopted.publicKey).toBe(key.publicKey);
    expect(await verifyDeviceSignature(key.publicKey, { ...DEVICE, userId }, await signDevice(adopted, { ...DEVICE, userId }))).toBe(true);
    // A browser keeps it non-extractable.
    await expect(exportUserIdentity(adopted)).rejects.toMatchObject({ code: 'invalid_key' });
  });

  it('keeps a key this device holds already, and does not take one the account no longer publishes', async () => {
    const userId = randomUUID();
    const api = backupServer();
    const key = await generateUserIdentity(true);
    const made = await backupFor(sessionOf(userId), deviceSession(key, () => key.publicKey), api, true).backup.create();

    const holder = deviceSession(await generateUserIdentity(true), () => key.publicKey);
    expect((await backupFor(sessionOf(userId), holder, api, true).backup.restore(made.recoveryKey)).identity).toBe('kept');
    expect(holder.adopted).toEqual([]);

    const replaced = await generateUserIdentity(false);
    const afterReset = deviceSession(undefined, () => replaced.publicKey);
    expect((await backupFor(sessionOf(userId), afterReset, api, true).backup.restore(made.recoveryKey)).identity).toBe('not_taken');
    expect(afterReset.held).toBeUndefined();
  });

  it('in a browser backs up only the key it was handed at creation; a non-extractable copy alone stays out', async () => {
    const userId = randomUUID();
    const created = await generateUserIdentity(true);
    const kept = await importUserIdentity(await exportUserIdentity(created), false);
    const page = backupFor(sessionOf(userId), deviceSession(kept, () => kept.publicKey), backupServer(), false);
    expect(await page.identity.exportForBackup()).toBeNull();
    await page.identity.remember(created);
    expect(await page.identity.exportForBackup()).toMatchObject({ v: 1, userId, publicKey: created.publicKey });
  });

  it('adds an identity created after the backup was made to that backup, so a restore adopts it', async () => {
    const userId = randomUUID();
    const api = backupServer();
    const device = deviceSession(undefined, () => undefined);
    const first = backupFor(sessionOf(userId), device, api, true);
    const made = await first.backup.create();
    expect(made.entries).toBe(0);
    const key = await generateUserIdentity(true);
    device.held = key;
    expect(await first.backup.addIdentity()).toBe(true);

    const newcomer = deviceSession(undefined, () => key.publicKey);
    expect((await backupFor(sessionOf(userId), newcomer, api, true).backup.restore(made.recoveryKey)).identity).toBe('restored');
  });
});
