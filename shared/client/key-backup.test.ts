import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OutboundChain } from '../crypto/index.js';
import { encryptMessage, fromBase64Url, inboundFromShare, newOutboundChain, newRecoveryKey, shareOf, toBase64Url } from '../crypto/index.js';
import type { BackupEntry, Envelope, KeyBackupInfo, ListedBackupEntry, RoomEvent } from '../protocol/index.js';
import { ChatError } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import { inboundKey, queueForBackup } from './e2e-records.js';
import { E2ESession } from './e2e-session.js';
import { KeyBackup } from './key-backup.js';
import type { KeyBackupOptions } from './key-backup.js';
import { MemoryE2EStore } from './memory-e2e-store.js';
import type { StoredSession } from './session-store.js';

const ROOM = randomUUID();

/** The server's side of one user's key backup, as the SQL store keeps it (versions, key checks, the entry reaching furthest back). */
class BackupServer {
  current: { version: number; keyCheck: string } | null = null;
  rows: (ListedBackupEntry & { version: number; keyCheck: string })[] = [];
  private seq = 0;
  readonly api: KeyBackupOptions['api'] = {
    keyBackup: async (): Promise<KeyBackupInfo | null> =>
      this.current && { ...this.current, entries: this.listed().length, updatedAt: new Date().toISOString() },
    uploadBackupEntries: async (req) => {
      const toCurrent = this.current?.version === req.version && this.current.keyCheck === req.keyCheck;
      if (!toCurrent && req.version !== (this.current?.version ?? 0) + 1) throw new ChatError('conflict', 'stale version');
      for (const e of req.entries) {
        const at = this.rows.findIndex((r) => r.version === req.version && r.kind === e.kind && r.entryKey === e.entryKey);
        const row = { ...e, id: String(++this.seq), version: req.version, keyCheck: req.keyCheck };
        if (at < 0) this.rows.push(row);
        else if ((this.rows[at] as BackupEntry).firstCounter > e.firstCounter || this.rows[at]?.keyCheck !== req.keyCheck) this.rows[at] = row;
      }
    },
    commitKeyBackup: async (req) => {
      if ((this.current?.version ?? null) !== req.previousVersion) throw new ChatError('conflict', 'changed');
      this.current = { version: req.version, keyCheck: req.keyCheck };
      this.rows = this.listed();
      return { ...this.current, entries: this.rows.length, updatedAt: new Date().toISOString() };
    },
    backupEntries: async (after) => {
      const entries = this.listed().filter((r) => Number(r.id) > Number(after ?? 0));
      return { entries: entries.map(({ version: _v, keyCheck: _k, ...e }) => e), hasMore: false };
    },
  };
  listed() {
    return this.rows.filter((r) => r.version === this.current?.version && r.keyCheck === this.current.keyCheck);
  }
}

const sessionOf = (userId: string, deviceId = randomUUID()): StoredSession => ({
  user: { id: userId, username: 'alice' },
  deviceId,
  accessToken: 'x',
  accessExpiresAt: new Date().toISOString(),
  refreshToken: 'x',
});

/** Bob's sending chain in the room, and a way to send on it. */
async function sender() {
  const user = randomUUID();
  const deviceId = randomUUID();
  let chain: OutboundChain = await newOutboundChain(Date.now(), false);
  const first = await shareOf(chain);
  let seq = 0;
  const send = async (body: string): Promise<RoomEvent> => {
    const made = await encryptMessage(chain, { roomId: ROOM, senderUser: user, senderDevice: deviceId, clientMsgId: randomUUID() }, { body, sentAt: 1 });
    chain = made.chain;
    return eventOf(made.envelope, ++seq);
  };
  const backedUp = (share = first) => ({ v: 1 as const, roomId: ROOM, senderUser: user, senderDevice: deviceId, ...share });
  return { user, deviceId, first, send, backedUp, share: () => shareOf(chain) };
}

function eventOf(envelope: Envelope, seq: number): RoomEvent {
  return { id: randomUUID(), roomId: envelope.roomId, seq, kind: 'message', sender: { id: envelope.senderUser, username: 'bob' }, body: null, envelope, target: null, clientMsgId: envelope.clientMsgId, createdAt: new Date().toISOString() } as RoomEvent;
}

/** A session that only opens messages (no server calls needed once its chains are kept). */
function reader(store: MemoryE2EStore, session: StoredSession) {
  const api = { pendingShares: async () => [], reshareRequests: async () => [], requestReshare: async () => undefined, ackShares: async () => undefined } as unknown as ApiClient;
  return new E2ESession({ api, store, session, extractable: false });
}

/** Alice's first device with Bob's chain queued, and its backup made. */
async function backedUpDevice(server = new BackupServer(), userId = randomUUID()) {
  const bob = await sender();
  const store = new MemoryE2EStore();
  const session = sessionOf(userId);
  await store.transaction((tx) => queueForBackup(tx, bob.backedUp()));
  const backup = new KeyBackup({ api: server.api, store, session });
  const made = await backup.create();
  return { bob, store, session, backup, made, server, userId };
}

const texts = (opened: { status: string; body?: string }[]) => opened.map((o) => (o.status === 'ok' ? o.body : o.status));

describe('KeyBackup', () => {
  it('gives a new device of the user the chain keys, so it reads what was sent before it existed', async () => {
    const { bob, made, server, userId } = await backedUpDevice();
    expect(made).toMatchObject({ version: 1, entries: 1, rotated: false });
    expect(made.recoveryKey).toMatch(/^([0-9A-HJKMNP-TV-Z]{4} ){11}[0-9A-HJKMNP-TV-Z]{4}$/);
    const events = [await bob.send('one'), await bob.send('two')];

    const store = new MemoryE2EStore();
    const session = sessionOf(userId);
    expect(texts(await reader(store, session).openMany(events))).toEqual(['waiting', 'waiting']);
    const report = await new KeyBackup({ api: server.api, store, session }).restore(made.recoveryKey.toLowerCase().replace(/ /g, '-'));
    expect(report).toEqual({ version: 1, added: 1, extended: 0, kept: 0, refused: 0, identity: 'none' });
    expect(texts(await reader(store, session).openMany(events))).toEqual(['one', 'two']);
    // The restoring device now adds to the backup itself.
    expect(await store.get('backupKey', 'current')).toMatchObject({ version: 1 });
  });

  it('says clearly that a recovery key is wrong, or mistyped, and restores nothing', async () => {
    const { server, userId } = await backedUpDevice();
    const store = new MemoryE2EStore();
    const backup = new KeyBackup({ api: server.api, store, session: sessionOf(userId) });
    const wrong = await backup.restore((await newRecoveryKey()).text).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ChatError);
    expect(wrong).toMatchObject({ code: 'invalid_credentials', cause: { code: 'wrong_recovery_key' } });
    const made = (await backedUpDevice(server, userId).catch(() => null)) ?? null;
    expect(made).toBeNull(); // a second device cannot make a backup over one it cannot open
    const typo = await backup.restore('ABCD EFGH').catch((e: unknown) => e);
    expect(typo).toMatchObject({ code: 'invalid_credentials', cause: { code: 'invalid_recovery_key' } });
    expect(await store.get('backupKey', 'current')).toBeUndefined();
  });

  it('refuses an entry that was altered, swapped in from another user, or moved to another room or position', async () => {
    const alice = await backedUpDevice();
    const mallory = await backedUpDevice(new BackupServer());
    const [good] = alice.server.rows;
    const [theirs] = mallory.server.rows;
    if (!good || !theirs) throw new Error('no entries');
    const ct = fromBase64Url(good.ct);
    ct[0] = (ct[0] as number) ^ 1;
    alice.server.rows = [
      { ...good, ct: toBase64Url(ct), id: '101' },
      // Another user's entry under Alice's backup: the user id is in its associated data.
      { ...theirs, id: '102', version: good.version, keyCheck: good.keyCheck },
      { ...good, roomId: randomUUID(), id: '103' },
      { ...good, firstCounter: 0 + 7, id: '104' },
    ];
    const store = new MemoryE2EStore();
    const report = await new KeyBackup({ api: alice.server.api, store, session: sessionOf(alice.userId) }).restore(alice.made.recoveryKey);
    expect(report).toMatchObject({ added: 0, refused: 4 });
    expect(await store.get('inbound', inboundKey(alice.bob.deviceId, alice.bob.first.keyId))).toBeUndefined();
  });

  it('never overwrites newer local keys: a chain kept here stays, and only reaches further back', async () => {
    const { bob, made, server, userId } = await backedUpDevice();
    const early = [await bob.send('zero'), await bob.send('one')];
    // This device was given the chain at counter 2 and has read message 2 since.
    const later = inboundFromShare(await bob.share(), { roomId: ROOM, senderUser: bob.user, senderDevice: bob.deviceId });
    const read = await bob.send('two');
    const store = new MemoryE2EStore();
    const session = sessionOf(userId);
    await store.transaction(async (tx) => tx.put('inbound', inboundKey(bob.deviceId, bob.first.keyId), later));
    expect(texts(await reader(store, session).openMany([read]))).toEqual(['two']);
    const before = await store.get('inbound', inboundKey(bob.deviceId, bob.first.keyId));

    const report = await new KeyBackup({ api: server.api, store, session }).restore(made.recoveryKey);
    expect(report).toMatchObject({ added: 0, extended: 1, kept: 0 });
    const after = await store.get('inbound', inboundKey(bob.deviceId, bob.first.keyId));
    // Where it had got to stays: the key of message 2, used, does not come back.
    expect(after?.nextCounter).toBe(before?.nextCounter);
    expect(after?.chainKey).toEqual(before?.chainKey);
    expect(texts(await reader(store, session).openMany(early))).toEqual(['zero', 'one']);
    const settled = await store.get('inbound', inboundKey(bob.deviceId, bob.first.keyId));

    // Restoring again finds the chain reaching as far back already: kept as it is.
    const second = await new KeyBackup({ api: server.api, store, session }).restore(made.recoveryKey);
    expect(second).toMatchObject({ added: 0, extended: 0, kept: 1 });
    expect(await store.get('inbound', inboundKey(bob.deviceId, bob.first.keyId))).toEqual(settled);
  });

  it('hands its backup key to a device it approves (shareable), which restores with it as with the recovery key, never overwriting newer local keys', async () => {
    const { bob, backup, server, userId } = await backedUpDevice();
    const shared = await backup.shareable();
    expect(shared).toMatchObject({ v: 1, version: 1 });
    const early = [await bob.send('zero'), await bob.send('one')];
    const later = inboundFromShare(await bob.share(), { roomId: ROOM, senderUser: bob.user, senderDevice: bob.deviceId });
    const read = await bob.send('two');
    const store = new MemoryE2EStore();
    const session = sessionOf(userId);
    await store.transaction(async (tx) => tx.put('inbound', inboundKey(bob.deviceId, bob.first.keyId), later));
    expect(texts(await reader(store, session).openMany([read]))).toEqual(['two']);
    const before = await store.get('inbound', inboundKey(bob.deviceId, bob.first.keyId));

    const report = await new KeyBackup({ api: server.api, store, session }).restoreFromKey(shared!);
    expect(report).toMatchObject({ version: 1, added: 0, extended: 1, kept: 0, refused: 0 });
    expect((await store.get('inbound', inboundKey(bob.deviceId, bob.first.keyId)))?.nextCounter).toBe(before?.nextCounter);
    expect(texts(await reader(store, session).openMany(early))).toEqual(['zero', 'one']);
    expect(await store.get('backupKey', 'current')).toMatchObject({ version: 1, key: shared!.key });
  });

  it('refuses a handed key that does not open the current backup (another key, or an older version), and restores nothing', async () => {
    const { backup, server, userId } = await backedUpDevice();
    const shared = (await backup.shareable())!;
    const store = new MemoryE2EStore();
    const other = new KeyBackup({ api: server.api, store, session: sessionOf(userId) });
    const wrongKey = { ...shared, key: toBase64Url(new Uint8Array(32).fill(7)) };
    await expect(other.restoreFromKey(wrongKey)).rejects.toMatchObject({ code: 'conflict', cause: { code: 'wrong_recovery_key' } });
    await expect(other.restoreFromKey({ ...shared, version: 2 })).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.get('backupKey', 'current')).toBeUndefined();
    // Rotated on the approver's device: the key it held before is no longer the backup's, and it offers none it cannot vouch for.
    await backup.create();
    await expect(other.restoreFromKey(shared)).rejects.toMatchObject({ code: 'conflict' });
    const stale = new KeyBackup({ api: server.api, store: new MemoryE2EStore(), session: sessionOf(userId) });
    expect(await stale.shareable()).toBeNull();
  });

  it('re-encrypts the backup under a new recovery key on rotation; the old key no longer opens it, and a device holding it stops adding', async () => {
    const first = await backedUpDevice();
    // Another device restored with the first key and holds the backup key.
    const other = new MemoryE2EStore();
    const otherBackup = new KeyBackup({ api: first.server.api, store: other, session: sessionOf(first.userId) });
    await otherBackup.restore(first.made.recoveryKey);

    const rotated = await first.backup.create();
    expect(rotated).toMatchObject({ version: 2, entries: 1, rotated: true });
    expect(first.server.rows.every((r) => r.version === 2)).toBe(true);
    const fresh = () => new KeyBackup({ api: first.server.api, store: new MemoryE2EStore(), session: sessionOf(first.userId) });
    await expect(fresh().restore(first.made.recoveryKey)).rejects.toMatchObject({ cause: { code: 'wrong_recovery_key' } });
    expect(await fresh().restore(rotated.recoveryKey)).toMatchObject({ version: 2, added: 1, refused: 0 });

    const bob = await sender();
    await other.transaction((tx) => queueForBackup(tx, bob.backedUp()));
    await expect(otherBackup.flush()).rejects.toMatchObject({ code: 'conflict' });
    expect(await other.get('backupKey', 'current')).toBeUndefined();
    expect(await otherBackup.flush()).toBe(0);
  });
});
