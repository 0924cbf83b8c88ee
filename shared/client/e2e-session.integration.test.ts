import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser } from '../../test/support/api.js';
import { startTestServer } from '../../test/support/server.js';
import type { TestServer } from '../../test/support/server.js';
import { E2ESession } from './e2e-session.js';
import { MemoryE2EStore } from './memory-e2e-store.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

async function member(prefix: string) {
  const u = await newUser(t.url, prefix);
  const session = (await u.sessions.load())!;
  const e2e = new E2ESession({ api: u.api, store: new MemoryE2EStore(), session, extractable: false });
  await e2e.device();
  return { ...u, e2e, name: session.user.username };
}

describe('E2ESession', () => {
  it('recovers a lost share by asking the sender to share again, and only from where the receiver started', async () => {
    const alice = await member('a');
    const bob = await member('b');
    const { room } = await alice.api.createRoom({ name: `rs-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    await bob.api.redeemInvite((await alice.api.createInvite(room.id)).token);

    const clientMsgId = randomUUID();
    const ack = await alice.api.sendEnvelope(room.id, await alice.e2e.encrypt(room.id, 'do not lose me', clientMsgId));
    // Bob's share is lost before he opened it.
    const lost = await bob.api.pendingShares();
    expect(lost).toHaveLength(1);
    await bob.api.ackShares(lost.map((s) => s.id));

    const event = (await bob.api.history(room.id)).events.find((e) => e.seq === ack.seq)!;
    expect(await bob.e2e.open(event)).toEqual({ status: 'waiting' });
    // Alice comes back online: she answers the request with the very share Bob was given.
    expect(await alice.e2e.serveReshares()).toBe(1);
    expect(await bob.e2e.open(event)).toMatchObject({ status: 'ok', body: 'do not lose me' });
    expect(await bob.e2e.open(event)).toMatchObject({ status: 'ok', body: 'do not lose me' }); // from the local copy

    // Carol joins later and asks for the same chain: she was never given it, so she gets nothing.
    const carol = await member('c');
    await carol.api.redeemInvite((await alice.api.createInvite(room.id)).token);
    expect(await carol.e2e.open(event)).toEqual({ status: 'waiting' });
    expect(await alice.e2e.serveReshares()).toBe(0);
    expect(await carol.e2e.open(event)).toEqual({ status: 'waiting' });
  });

  it('replaces its signed prekey weekly and still opens shares sealed to the previous one', async () => {
    let now = Date.now();
    const u = await newUser(t.url, 'pk');
    const session = (await u.sessions.load())!;
    const store = new MemoryE2EStore();
    const bob = new E2ESession({ api: u.api, store, session, extractable: false, now: () => now });
    const before = await bob.device();
    const alice = await member('a');
    const { room } = await alice.api.createRoom({ name: `pk-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    await u.api.redeemInvite((await alice.api.createInvite(room.id)).token);
    const ack = await alice.api.sendEnvelope(room.id, await alice.e2e.encrypt(room.id, 'sealed to the old prekey', randomUUID()));
    now += 8 * 24 * 3600 * 1000;
    const later = new E2ESession({ api: u.api, store, session, extractable: false, now: () => now });
    const after = await later.device();
    expect(after.prekey.id).toBe(before.prekey.id + 1);
    expect((await u.api.devicesOfUser(session.user.id))[0]?.bundle.prekey.id).toBe(after.prekey.id);
    const event = (await u.api.history(room.id)).events.find((e) => e.seq === ack.seq)!;
    expect(await later.open(event)).toMatchObject({ status: 'ok', body: 'sealed to the old prekey' });
  });

  it('starts a new chain after a member leaves and after 100 messages', async () => {
    const alice = await member('a');
    const bob = await member('b');
    const { room } = await alice.api.createRoom({ name: `rot-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    await bob.api.redeemInvite((await alice.api.createInvite(room.id)).token);
    const first = await alice.e2e.encrypt(room.id, 'one', randomUUID());
    const second = await alice.e2e.encrypt(room.id, 'two', randomUUID());
    expect(second.keyId).toBe(first.keyId);
    await bob.api.leave(room.id);
    const third = await alice.e2e.encrypt(room.id, 'three', randomUUID());
    expect(third.keyId).not.toBe(first.keyId);
    let last = third;
    for (let i = 0; i < 100; i++) last = await alice.e2e.encrypt(room.id, `m${i}`, randomUUID());
    expect(last.keyId).not.toBe(third.keyId);
    expect(last.counter).toBe(0);
  });
});
