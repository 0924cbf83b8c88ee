import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser } from '../../test/support/api.js';
import { startTestServer } from '../../test/support/server.js';
import type { TestServer } from '../../test/support/server.js';
import type { RoomEvent } from '../protocol/index.js';
import { generateDeviceKeys, publicBundle } from '../crypto/index.js';
import { ApiClient } from './api-client.js';
import { E2ESession, KEY_WAIT_MS } from './e2e-session.js';
import { MemorySessionStore } from './session-store.js';
import type { StoredSession } from './session-store.js';
import { MemoryE2EStore } from './memory-e2e-store.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

async function member(prefix: string, now?: () => number) {
  const u = await newUser(t.url, prefix);
  const session = (await u.sessions.load())!;
  const store = new MemoryE2EStore();
  const e2e = new E2ESession({ api: u.api, store, session, extractable: false, ...(now ? { now } : {}) });
  await e2e.device();
  return { ...u, e2e, store, session, name: session.user.username };
}

/** A copy of a device's whole state, as a copied CHAT_HOME holds it (the same keys, chains and copies). */
async function copyOf(store: MemoryE2EStore): Promise<MemoryE2EStore> {
  type Inside = { device: unknown; records: Map<string, Map<string, unknown>> };
  const from = store as unknown as Inside;
  const copy = new MemoryE2EStore();
  const into = copy as unknown as Inside;
  into.device = from.device;
  for (const [kind, records] of from.records) into.records.set(kind, structuredClone(records));
  return copy;
}

/** The same event as a malicious server would re-insert it: a new id and position, the envelope unchanged. */
function reinserted(event: RoomEvent, seq: number, roomId = event.roomId): RoomEvent {
  return { ...event, id: randomUUID(), roomId, seq };
}

/** Alice and Bob in a new private room, and the event of one message Alice sent there. */
async function roomWithMessage(body: string) {
  const alice = await member('a');
  const bob = await member('b');
  const { room } = await alice.api.createRoom({ name: `rp-${randomUUID().slice(0, 8)}`, visibility: 'private' });
  await bob.api.redeemInvite((await alice.api.createInvite(room.id)).token);
  const ack = await alice.api.sendEnvelope(room.id, await alice.e2e.encrypt(room.id, body, randomUUID()));
  const event = (await bob.api.history(room.id)).events.find((e) => e.seq === ack.seq)!;
  return { alice, bob, room, event };
}

describe('E2ESession', () => {
  it('upgrades an account from before identities: its first device creates the identity and signs itself, the other stays unapproved and is listed to approve', async () => {
    const u = await newUser(t.url, 'up');
    const username = u.session.user.username;
    const api2 = new ApiClient({ serverUrl: t.url, fetch: (url, init) => fetch(url, init), sessions: new MemorySessionStore() });
    const second = await api2.login({ username, password: 'correct horse battery' });
    // Before the upgrade: both devices published their keys, and the account has no identity key.
    const before = async (api: ApiClient, session: StoredSession) => {
      const store = new MemoryE2EStore();
      const keys = await generateDeviceKeys({ userId: session.user.id, deviceId: session.deviceId, extractable: false, now: Date.now() });
      await store.saveDevice(keys);
      await api.publishBundle(await publicBundle(keys));
      return { store, session };
    };
    const first = await before(u.api, (await u.sessions.load())!);
    const other = await before(api2, { ...first.session, deviceId: second.device.id });
    expect((await u.api.devicesOfUser(first.session.user.id)).map((d) => d.identityKey ?? null)).toEqual([null, null]);

    // The first device to run the new version creates the identity and signs itself.
    const a = new E2ESession({ api: u.api, store: first.store, session: first.session, extractable: false });
    expect(await a.identityStatus()).toBe('holder');
    const identityKey = (await a.heldIdentity())?.publicKey;
    expect((await u.api.devicesOfUser(first.session.user.id)).every((d) => d.identityKey === identityKey)).toBe(true);
    // The other one does not make a second identity: it is unapproved until approved (or the recovery key).
    const b = new E2ESession({ api: api2, store: other.store, session: other.session, extractable: false });
    expect(await b.identityStatus()).toBe('unapproved');
    expect(await a.identityStatus()).toBe('holder');
    // The holder lists it as a device to approve (the prompt), once.
    const listed = await a.accountDevices();
    expect(listed.map((d) => ({ id: d.device.deviceId, approved: d.approved }))).toEqual(
      expect.arrayContaining([
        { id: first.session.deviceId, approved: true },
        { id: second.device.id, approved: false },
      ]),
    );
  });

  it('lists a password-only sign-in that published no keys as a device of the account, keyless and new, alongside the keyed ones', async () => {
    const alice = await member('k');
    await alice.e2e.accountDevices();
    const api2 = new ApiClient({ serverUrl: t.url, fetch: (url, init) => fetch(url, init), sessions: new MemorySessionStore() });
    const ghost = await api2.login({ username: alice.name, password: 'correct horse battery', deviceName: 'ghost' });
    const listed = await alice.e2e.accountDevices();
    expect(listed.map((d) => ({ id: d.device.deviceId, keys: d.keys, approved: d.approved, isNew: d.isNew }))).toEqual([
      { id: alice.session.deviceId, keys: true, approved: true, isNew: false },
      { id: ghost.device.id, keys: false, approved: false, isNew: true },
    ]);
    expect(listed[1]?.device.name).toBe('ghost');
    // Told once.
    expect((await alice.e2e.accountDevices()).map((d) => d.isNew)).toEqual([false, false]);
  });

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

    // Carol joins later: the message is from before she joined, which she is told at once; she asks
    // for nothing, and gets nothing.
    const carol = await member('c');
    await carol.api.redeemInvite((await alice.api.createInvite(room.id)).token);
    expect(await carol.e2e.open(event)).toEqual({ status: 'before_join' });
    expect(await alice.e2e.serveReshares()).toBe(0);
    expect(await carol.e2e.open(event)).toEqual({ status: 'before_join' });
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

  it('shows a re-inserted envelope once: copies under new event ids are refused as replays, the original reads again', async () => {
    const { alice, bob, event } = await roomWithMessage('say it once');
    const copies = [reinserted(event, event.seq + 1), reinserted(event, event.seq + 2)];
    // The copies may even come first: whichever event opens the envelope first owns it.
    expect(await bob.e2e.open(event)).toMatchObject({ status: 'ok', body: 'say it once' });
    for (const copy of copies) expect(await bob.e2e.open(copy)).toEqual({ status: 'replayed', firstEventId: event.id });
    expect(await bob.e2e.open(event)).toMatchObject({ status: 'ok', body: 'say it once' });
    // The sender's own device refuses the copies too, though it knew the text before any event existed.
    expect(await alice.e2e.open(event)).toMatchObject({ status: 'ok', body: 'say it once' });
    expect(await alice.e2e.open(copies[0]!)).toEqual({ status: 'replayed', firstEventId: event.id });
    // The record lives in the store, with the opened text: a new session over it still refuses.
    const later = new E2ESession({ api: bob.api, store: bob.store, session: bob.session, extractable: false });
    expect(await later.open(copies[1]!)).toEqual({ status: 'replayed', firstEventId: event.id });
    expect(await later.open(event)).toMatchObject({ status: 'ok', body: 'say it once' });
  });

  it('refuses a copy that comes before the original was ever opened, once the original is read', async () => {
    const { bob, event } = await roomWithMessage('first come');
    const copy = reinserted(event, event.seq + 1);
    expect(await bob.e2e.open(copy)).toMatchObject({ status: 'ok', body: 'first come' });
    expect(await bob.e2e.open(event)).toEqual({ status: 'replayed', firstEventId: copy.id });
  });

  it('refuses an envelope delivered in another room, even when its text is already open from its own room', async () => {
    const { alice, bob, event } = await roomWithMessage('only for the group');
    const { room: dm } = await alice.api.directMessage(bob.name);
    const inDm = reinserted(event, 1, dm.id);
    // Not yet opened anywhere: refused before any key is looked for.
    expect(await bob.e2e.open(inDm)).toEqual({ status: 'wrong_room', sentIn: event.roomId });
    expect(await bob.e2e.open(event)).toMatchObject({ status: 'ok', body: 'only for the group' });
    // Opened in its room, and the copy in the DM is still refused, not taken from the local copy.
    expect(await bob.e2e.open({ ...inDm, id: randomUUID() })).toEqual({ status: 'wrong_room', sentIn: event.roomId });
    expect(await bob.e2e.open(inDm)).toEqual({ status: 'wrong_room', sentIn: event.roomId });
    expect(await alice.e2e.open(inDm)).toEqual({ status: 'wrong_room', sentIn: event.roomId });
  });

  // A copied CHAT_HOME: the copy's message took a key the original had used (`key_reused`); its retry
  // with the same id was refused for good, and its next message took the counter the original needed next.
  it('starts a new chain on the copy the server refused as key_reused: its retry and both copies\' next messages go through and open', async () => {
    const alice = await member('kr');
    const bob = await member('kb');
    const { room } = await alice.api.createRoom({ name: `kr-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    await bob.api.redeemInvite((await alice.api.createInvite(room.id)).token);
    await alice.api.sendEnvelope(room.id, await alice.e2e.encrypt(room.id, 'before the copy', randomUUID()));
    const copy = new E2ESession({ api: alice.api, store: await copyOf(alice.store), session: alice.session, extractable: false });
    await alice.api.sendEnvelope(room.id, await alice.e2e.encrypt(room.id, 'from the original', randomUUID()));
    const id = randomUUID();
    const clash = await copy.encrypt(room.id, 'from the copy', id);
    await expect(alice.api.sendEnvelope(room.id, clash)).rejects.toMatchObject({ code: 'key_reused' });
    await copy.refused(clash, 'key_reused');
    await alice.api.sendEnvelope(room.id, await copy.encrypt(room.id, 'from the copy', id));
    await alice.api.sendEnvelope(room.id, await copy.encrypt(room.id, 'the copy again', randomUUID()));
    await alice.api.sendEnvelope(room.id, await alice.e2e.encrypt(room.id, 'the original again', randomUUID()));
    const events = (await bob.api.history(room.id)).events.filter((e) => e.kind === 'message');
    const opened = await bob.e2e.openMany(events);
    expect(opened.map((o) => (o.status === 'ok' ? o.body : o.status))).toEqual(['before the copy', 'from the original', 'from the copy', 'the copy again', 'the original again']);
  });

  it('says this device was never given the key once it has not come KEY_WAIT_MS after asking', async () => {
    let now = Date.now();
    const alice = await member('a');
    const bob = await member('b', () => now);
    const { room } = await alice.api.createRoom({ name: `ns-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    await bob.api.redeemInvite((await alice.api.createInvite(room.id)).token);
    const ack = await alice.api.sendEnvelope(room.id, await alice.e2e.encrypt(room.id, 'not for bob', randomUUID()));
    // The server withholds Bob's share (it drops it from his queue).
    await bob.api.ackShares((await bob.api.pendingShares()).map((s) => s.id));
    const event = (await bob.api.history(room.id)).events.find((e) => e.seq === ack.seq)!;

    expect(await bob.e2e.open(event)).toEqual({ status: 'waiting' }); // asks Alice's device again
    now += KEY_WAIT_MS - 1;
    expect(await bob.e2e.open(event)).toEqual({ status: 'waiting' });
    // A new session (the next `chat read`) remembers when it first asked.
    const next = new E2ESession({ api: bob.api, store: bob.store, session: bob.session, extractable: false, now: () => now });
    expect(await next.open(event)).toEqual({ status: 'waiting' });
    now += 1;
    expect(await next.open(event)).toEqual({ status: 'not_shared' });
    expect(await bob.e2e.open(event)).toEqual({ status: 'not_shared' });

    // Should the share come after all, the message opens.
    expect(await alice.e2e.serveReshares()).toBe(1);
    expect(await next.open(event)).toMatchObject({ status: 'ok', body: 'not for bob' });
  });
});

