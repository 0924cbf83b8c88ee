import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeviceKeys, SealedShare, UserIdentity } from '../crypto/index.js';
import { encryptMessage, generateDeviceKeys, generateUserIdentity, inboundFromShare, newOutboundChain, publicBundle, shareOf, signDevice } from '../crypto/index.js';
import type { DirectoryDevice, Envelope, RoomEvent } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import { keepSharedChain } from './e2e-records.js';
import { E2ESession, KEY_WAIT_MS } from './e2e-session.js';
import { openedNotice } from './opened-notice.js';
import type { NoText } from './opened-notice.js';
import type { E2EKind, E2EStore, E2ETransaction } from './e2e-store.js';
import { migrateLegacyState } from './legacy-e2e-state.js';
import { MemoryE2EStore } from './memory-e2e-store.js';
import type { StoredSession } from './session-store.js';

/** A MemoryE2EStore that knows whether one of its transactions is running. */
class WatchedStore implements E2EStore {
  open = 0;
  readonly inner = new MemoryE2EStore();
  loadDevice() {
    return this.inner.loadDevice();
  }
  saveDevice(keys: DeviceKeys) {
    return this.inner.saveDevice(keys);
  }
  get<K extends E2EKind>(kind: K, key: string) {
    return this.inner.get(kind, key);
  }
  transaction<T>(fn: (tx: E2ETransaction) => Promise<T>): Promise<T> {
    return this.inner.transaction(async (tx) => {
      this.open += 1;
      try {
        return await fn(tx);
      } finally {
        this.open -= 1;
      }
    });
  }
}

const ROOM = randomUUID();

/** Each test user's identity key, made on first use. */
const identities = new Map<string, UserIdentity>();

/** A device of `userId`, signed by the user's identity key unless `signed` is false (an unapproved or injected device). */
async function device(userId: string, signed = true): Promise<{ keys: DeviceKeys; directory: DirectoryDevice }> {
  const keys = await generateDeviceKeys({ userId, deviceId: randomUUID(), extractable: false, now: Date.now() });
  const identity = identities.get(userId) ?? (await generateUserIdentity(false));
  identities.set(userId, identity);
  const bundle = await publicBundle(keys);
  const crossSignature = signed ? await signDevice(identity, bundle) : null;
  return { keys, directory: { deviceId: keys.deviceId, name: 'test', bundle, createdAt: new Date().toISOString(), identityKey: identity.publicKey, crossSignature } };
}

/**
 * A server of one room. With `watch`, every call fails when a store transaction is open (for a single
 * session: with several, one may call while another's transaction runs).
 */
function server(store: WatchedStore, devices: () => DirectoryDevice[], onPost: (shares: SealedShare[]) => Promise<void> = async () => {}, watch = true) {
  const calls: string[] = [];
  const call =
    <T>(name: string, answer: (...args: never[]) => Promise<T>) =>
    async (...args: never[]): Promise<T> => {
      calls.push(name);
      if (watch && store.open > 0) throw new Error(`${name} was called inside a store transaction`);
      return answer(...args);
    };
  const api = {
    publishBundle: call('publishBundle', async () => undefined),
    pendingShares: call('pendingShares', async () => []),
    reshareRequests: call('reshareRequests', async () => []),
    devicesOfRoom: call('devicesOfRoom', async () => devices()),
    devicesOfUser: call('devicesOfUser', async (user: string) => devices().filter((d) => d.bundle.userId === user)),
    postShares: call('postShares', (shares: SealedShare[]) => onPost(shares)),
    ackShares: call('ackShares', async () => undefined),
    ackReshareRequests: call('ackReshareRequests', async () => undefined),
    requestReshare: call('requestReshare', async () => undefined),
  } as unknown as ApiClient;
  return { api, calls };
}

function sessionOf(keys: DeviceKeys): StoredSession {
  return { user: { id: keys.userId, username: 'alice' }, deviceId: keys.deviceId, accessToken: 'x', accessExpiresAt: new Date().toISOString(), refreshToken: 'x' };
}

describe('E2ESession.encrypt', () => {
  it('lists devices and posts shares outside any store transaction, and shares a chain once per device', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    await store.saveDevice(alice.keys);
    const posted: SealedShare[] = [];
    const { api, calls } = server(store, () => [alice.directory, bob.directory], async (shares) => void posted.push(...shares));
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    const first = await e2e.encrypt(ROOM, 'one', randomUUID());
    const second = await e2e.encrypt(ROOM, 'two', randomUUID());
    expect(calls).toContain('postShares');
    expect(posted.map((s) => s.recipientDevice)).toEqual([bob.keys.deviceId]);
    expect([first.keyId, first.counter]).toEqual([second.keyId, 0]);
    expect(second.counter).toBe(1);
    expect((await store.get('outbound', ROOM))?.given[bob.keys.deviceId]).toBeDefined();
    expect(await store.get('plaintext', `${alice.keys.deviceId}:${second.clientMsgId}`)).toMatchObject({ body: 'two' });
  });

  it('shares nothing with a device its user did not sign, nor with one whose keys or signature the server swapped, and tells once', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    const injected = await device('user-b', false);
    const other = await device('user-b');
    // The server shows bob's approved device with another device's keys, and a device with a signature made for another.
    const swappedKeys = { ...other.directory, bundle: { ...other.directory.bundle, signingKey: injected.directory.bundle.signingKey } };
    const borrowed = { ...injected.directory, deviceId: randomUUID(), crossSignature: bob.directory.crossSignature };
    const posted: SealedShare[] = [];
    const { api } = server(store, () => [alice.directory, bob.directory, injected.directory, swappedKeys, borrowed], async (shares) => void posted.push(...shares));
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    await store.saveDevice(alice.keys);
    await e2e.encrypt(ROOM, 'one', randomUUID());
    expect(posted.map((s) => s.recipientDevice)).toEqual([bob.keys.deviceId]);
    expect(await e2e.deviceChanges(ROOM)).toEqual([{ userId: 'user-b', kind: 'unapproved', devices: 3 }]);
    expect(await e2e.deviceChanges(ROOM)).toEqual([]);
  });

  it('shares nothing with a verified user whose identity key the server replaced, and warns', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    let shown = [alice.directory, bob.directory];
    const posted: SealedShare[] = [];
    const { api } = server(store, () => shown, async (shares) => void posted.push(...shares));
    api.devicesOfUser = async (user: string) => shown.filter((d) => d.bundle.userId === user);
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    await store.saveDevice(alice.keys);
    const safety = await e2e.safetyNumberWith('user-b');
    await e2e.confirm(safety.userId, safety.keys);
    // A second approved device of bob's leaves the safety number as it was.
    const second = await device('user-b');
    shown = [alice.directory, bob.directory, second.directory];
    expect((await e2e.safetyNumberWith('user-b')).number).toBe(safety.number);
    // The server makes up a new identity for bob, with a device of its own signed by it.
    identities.delete('user-b');
    const forged = await device('user-b');
    shown = [alice.directory, forged.directory];
    await e2e.encrypt(ROOM, 'one', randomUUID());
    expect(posted.map((s) => s.recipientDevice)).toEqual([]);
    expect(await e2e.changedVerifiedUsers(ROOM)).toEqual(['user-b']);
    expect((await e2e.safetyNumberWith('user-b')).number).not.toBe(safety.number);
  });

  it('tells a contact verified before the upgrade once that the safety number changed because of it, and keeps them verified', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    const { api } = server(store, () => [alice.directory, bob.directory]);
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    await store.saveDevice(alice.keys);
    // What an earlier version recorded: bob's device signing keys.
    await store.transaction(async (tx) => tx.put('verified', 'user-b', [bob.directory.bundle.signingKey]));
    expect(await e2e.deviceChanges(ROOM)).toEqual([{ userId: 'user-b', kind: 'upgrade' }]);
    expect(await e2e.changedVerifiedUsers(ROOM)).toEqual([]);
    expect((await e2e.safetyNumberWith('user-b')).verified).toBe(true);
    expect(await e2e.deviceChanges(ROOM)).toEqual([]);
  });

  it('never gives two messages one chain position, however many sessions of the device send at once', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    await store.saveDevice(alice.keys);
    const sessions = [1, 2, 3].map(() => new E2ESession({ api: server(store, () => [alice.directory, bob.directory], undefined, false).api, store, session: sessionOf(alice.keys), extractable: false }));
    const envelopes = await Promise.all(Array.from({ length: 24 }, (_, i) => sessions[i % 3]!.encrypt(ROOM, `m${i}`, randomUUID())));
    const positions = envelopes.map((e) => `${e.keyId}:${e.counter}`);
    expect(new Set(positions).size).toBe(24);
  });

  it('starts over on the new chain when another process replaced the chain while the shares were posted', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    await store.saveDevice(alice.keys);
    let replaced: string | undefined;
    const posted: string[] = [];
    const { api } = server(
      store,
      () => [alice.directory, bob.directory],
      async (shares) => {
        posted.push(...shares.map((s) => s.recipientDevice));
        if (replaced) return;
        // Another process of this device makes a new chain for the room meanwhile.
        const chain = await newOutboundChain(Date.now(), false);
        replaced = chain.keyId;
        await store.transaction(async (tx) => tx.put('outbound', ROOM, { chain, given: {} }));
      },
    );
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    const envelope = await e2e.encrypt(ROOM, 'hello', randomUUID());
    expect(envelope.keyId).toBe(replaced);
    // Bob was sent a share of each chain, and the one recorded is the new chain's.
    expect(posted).toEqual([bob.keys.deviceId, bob.keys.deviceId]);
    const record = (await store.get('outbound', ROOM))!;
    expect(Object.keys(record.given)).toEqual([bob.keys.deviceId]);
    expect(record.given[bob.keys.deviceId]?.keyId).toBe(replaced);
  });

  it('gives a retry of the same clientMsgId and text the same envelope while unclaimed, which the first event then opens', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    await store.saveDevice(alice.keys);
    const { api } = server(store, () => [alice.directory, bob.directory]);
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    const id = randomUUID();
    const first = await e2e.encrypt(ROOM, 'once', id);
    const retry = await e2e.encrypt(ROOM, 'once', id);
    expect(retry).toEqual(first);
    // The server keeps the first envelope's event: it opens as the sender's own message, not a replay.
    const event = eventOf(first, 1);
    expect(await e2e.open(event)).toMatchObject({ status: 'ok', body: 'once' });
    // Once claimed, a further retry leaves the copy as the event showed it.
    await e2e.encrypt(ROOM, 'once', id);
    expect(await e2e.open(event)).toMatchObject({ status: 'ok', body: 'once' });
  });

  // bob left the DM: the server refused alice's envelope (nothing stored). Once bob was back, a retry
  // of the same id sent those refused bytes again, under a chain bob's device was never given.
  it('seals a retry afresh, sharing with the devices of then, once the server refused the first envelope', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    await store.saveDevice(alice.keys);
    let members = [alice.directory];
    const posted: string[] = [];
    const { api } = server(store, () => members, async (shares) => void posted.push(...shares.map((s) => s.recipientDevice)));
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    const id = randomUUID();
    const refused = await e2e.encrypt(ROOM, 'after bob left', id);
    await e2e.refused(refused, 'conflict');
    members = [alice.directory, bob.directory];
    const retry = await e2e.encrypt(ROOM, 'after bob left', id);
    expect(retry).not.toEqual(refused);
    expect(posted).toEqual([bob.keys.deviceId]);
    expect((await store.get('outbound', ROOM))?.given[bob.keys.deviceId]?.keyId).toBe(retry.keyId);
    // A lost answer is no refusal: a retry then still sends these very bytes.
    expect(await e2e.encrypt(ROOM, 'after bob left', id)).toEqual(retry);
    expect(await e2e.open(eventOf(retry, 2))).toMatchObject({ status: 'ok', body: 'after bob left' });
  });

  // A copied CHAT_HOME: both copies advance one chain; the server refused this copy's envelope as key_reused.
  it('starts a new chain, shared with every device, when the server says another copy of this device used the key', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    await store.saveDevice(alice.keys);
    const posted: string[] = [];
    const { api } = server(store, () => [alice.directory, bob.directory], async (shares) => void posted.push(...shares.map((s) => s.recipientDevice)));
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    const id = randomUUID();
    const refused = await e2e.encrypt(ROOM, 'clash', id);
    await e2e.refused(refused, 'key_reused');
    const retry = await e2e.encrypt(ROOM, 'clash', id);
    expect(retry.keyId).not.toBe(refused.keyId);
    expect(retry.counter).toBe(0);
    const next = await e2e.encrypt(ROOM, 'later', randomUUID());
    expect([next.keyId, next.counter]).toEqual([retry.keyId, 1]);
    expect(posted).toEqual([bob.keys.deviceId, bob.keys.deviceId]);
    // Any other refusal keeps the chain: only the envelope is forgotten.
    const other = await e2e.encrypt(ROOM, 'forbidden', randomUUID());
    await e2e.refused(other, 'forbidden');
    expect((await e2e.encrypt(ROOM, 'forbidden', other.clientMsgId)).keyId).toBe(retry.keyId);
  });

  it('refuses a clientMsgId already used for a different text, claimed or not, and keeps the first copy', async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    await store.saveDevice(alice.keys);
    const { api } = server(store, () => [alice.directory, bob.directory]);
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    const id = randomUUID();
    const first = await e2e.encrypt(ROOM, 'once', id);
    await expect(e2e.encrypt(ROOM, 'other', id)).rejects.toMatchObject({ code: 'conflict' });
    const event = eventOf(first, 1);
    expect(await e2e.open(event)).toMatchObject({ status: 'ok', body: 'once' });
    await expect(e2e.encrypt(ROOM, 'other', id)).rejects.toMatchObject({ code: 'conflict' });
    expect(await e2e.open(event)).toMatchObject({ status: 'ok', body: 'once' });
  });
});

/** The event a server would show for an envelope: a fresh id, in the envelope's room unless told otherwise. */
function eventOf(envelope: Envelope, seq: number, roomId = envelope.roomId): RoomEvent {
  const sender = { id: envelope.senderUser, username: 'sender' };
  return { id: randomUUID(), roomId, seq, kind: 'message', sender, body: null, envelope, target: null, clientMsgId: envelope.clientMsgId, createdAt: new Date().toISOString() };
}

/** Bob's session, holding a chain of Alice's device in ROOM, and Alice's envelopes on it. */
async function bobWithAliceChain() {
  const store = new WatchedStore();
  const alice = await device(randomUUID());
  const bob = await device(randomUUID());
  await store.saveDevice(bob.keys);
  let chain = await newOutboundChain(Date.now(), false);
  const inbound = inboundFromShare(await shareOf(chain), { roomId: ROOM, senderUser: alice.keys.userId, senderDevice: alice.keys.deviceId });
  await store.transaction((tx) => keepSharedChain(tx, inbound));
  const send = async (body: string): Promise<Envelope> => {
    const header = { roomId: ROOM, senderUser: alice.keys.userId, senderDevice: alice.keys.deviceId, clientMsgId: randomUUID() };
    const sent = await encryptMessage(chain, header, { body, sentAt: 1 });
    chain = sent.chain;
    return sent.envelope;
  };
  const { api, calls } = server(store, () => [alice.directory, bob.directory]);
  return { store, api, calls, alice, bob, send };
}

describe('E2ESession.openMany', () => {
  it('shows an envelope for the first event of a batch only: copies in the same batch are replays, one from another room is refused', async () => {
    const { store, api, bob, send } = await bobWithAliceChain();
    const envelope = await send('once');
    const event = eventOf(envelope, 1);
    const copy = { ...event, id: randomUUID(), seq: 2 };
    const other = eventOf(envelope, 3, randomUUID());
    const e2e = new E2ESession({ api, store, session: sessionOf(bob.keys), extractable: false });
    expect(await e2e.openMany([event, copy, other])).toEqual([
      { status: 'ok', body: 'once', sentAt: 1 },
      { status: 'replayed', firstEventId: event.id },
      { status: 'wrong_room', sentIn: ROOM },
    ]);
    // Read again, alone or in a batch, in either order: the same answers.
    expect(await e2e.openMany([copy, event])).toEqual([{ status: 'replayed', firstEventId: event.id }, { status: 'ok', body: 'once', sentAt: 1 }]);
  });

  it("lets the first event of a batch claim the sender's own copy, and refuses the copies after it", async () => {
    const store = new WatchedStore();
    const alice = await device('user-a');
    const bob = await device('user-b');
    await store.saveDevice(alice.keys);
    const { api } = server(store, () => [alice.directory, bob.directory]);
    const e2e = new E2ESession({ api, store, session: sessionOf(alice.keys), extractable: false });
    const envelope = await e2e.encrypt(ROOM, 'mine', randomUUID());
    const event = eventOf(envelope, 1);
    const copies = [{ ...event, id: randomUUID(), seq: 2 }, { ...event, id: randomUUID(), seq: 3 }];
    const opened = await e2e.openMany([event, ...copies]);
    expect(opened[0]).toMatchObject({ status: 'ok', body: 'mine' });
    expect(opened.slice(1)).toEqual([{ status: 'replayed', firstEventId: event.id }, { status: 'replayed', firstEventId: event.id }]);
    expect(await store.get('plaintext', `${alice.keys.deviceId}:${envelope.clientMsgId}`)).toMatchObject({ eventId: event.id, keyId: envelope.keyId, counter: envelope.counter });
  });

  it('waits for a missing chain, asking once, then says it was not shared KEY_WAIT_MS after the first ask, asked outside any transaction', async () => {
    const { store, api, calls, bob } = await bobWithAliceChain();
    let now = Date.now();
    const stranger = await device(randomUUID());
    const unshared = await newOutboundChain(now, false);
    const header = { roomId: ROOM, senderUser: stranger.keys.userId, senderDevice: stranger.keys.deviceId, clientMsgId: randomUUID() };
    const event = eventOf((await encryptMessage(unshared, header, { body: 'hidden', sentAt: 1 })).envelope, 1);
    const e2e = new E2ESession({ api, store, session: sessionOf(bob.keys), extractable: false, now: () => now });
    expect(await e2e.openMany([event, { ...event }])).toEqual([{ status: 'waiting' }, { status: 'waiting' }]);
    expect(calls.filter((c) => c === 'requestReshare')).toHaveLength(1);
    now += KEY_WAIT_MS - 1;
    expect(await e2e.open(event)).toEqual({ status: 'waiting' });
    now += 1;
    expect(await new E2ESession({ api, store, session: sessionOf(bob.keys), extractable: false, now: () => now }).open(event)).toEqual({ status: 'not_shared' });
  });
});

describe('E2ESession labels', () => {
  it('says at once that a message was sent before the user joined or before this device signed in, asking no one; a key never given says so after the wait', async () => {
    const { store, bob } = await bobWithAliceChain();
    const joinedAt = Date.parse('2026-01-02T00:00:00.000Z');
    const deviceSince = Date.parse('2026-01-03T00:00:00.000Z');
    const asked: string[] = [];
    const api = {
      pendingShares: async () => [],
      reshareRequests: async () => [],
      ackShares: async () => undefined,
      requestReshare: async (r: { keyId: string }) => void asked.push(r.keyId),
      members: async () => [{ user: { id: bob.keys.userId, username: 'bob' }, role: 'member', joinedAt: new Date(joinedAt).toISOString(), online: true, lastSeenAt: null }],
      devicesOfUser: async () => [{ ...bob.directory, createdAt: new Date(deviceSince).toISOString() }],
    } as unknown as ApiClient;
    const stranger = await device(randomUUID());
    const at = async (createdAt: number) => {
      const chain = await newOutboundChain(createdAt, false);
      const header = { roomId: ROOM, senderUser: stranger.keys.userId, senderDevice: stranger.keys.deviceId, clientMsgId: randomUUID() };
      return { ...eventOf((await encryptMessage(chain, header, { body: 'hidden', sentAt: 1 })).envelope, 1), createdAt: new Date(createdAt).toISOString() };
    };
    let now = deviceSince + 1_000;
    const e2e = new E2ESession({ api, store, session: sessionOf(bob.keys), extractable: false, now: () => now });
    const [beforeJoin, beforeDevice, after] = [await at(joinedAt - 1), await at(deviceSince - 1), await at(deviceSince + 1)];
    expect(await e2e.openMany([beforeJoin, beforeDevice, after])).toEqual([{ status: 'before_join' }, { status: 'before_device' }, { status: 'waiting' }]);
    // Only the message whose key may yet come was asked for.
    expect(asked).toEqual([after.envelope?.keyId]);
    now += KEY_WAIT_MS;
    const late = await e2e.open(after);
    expect(late).toEqual({ status: 'not_shared' });
    expect(openedNotice(late as NoText)).toBe('this device was never given the key');
    expect(openedNotice({ status: 'before_join' })).toBe('sent before you joined');
  });
});

describe('moving an earlier state in', () => {
  it('keeps which event showed each copy, its chain position, and when missing chains were asked for', async () => {
    const { store, api, bob, send } = await bobWithAliceChain();
    const envelope = await send('from before');
    const first = eventOf(envelope, 1);
    const missing = { ...eventOf({ ...envelope, keyId: 'gone-chain', clientMsgId: randomUUID() }, 2) };
    const now = Date.now();
    const askedKey = `${envelope.senderDevice}:gone-chain`;
    await store.transaction((tx) =>
      migrateLegacyState(tx, {
        outbound: {},
        inbound: {},
        plaintexts: { [`${envelope.senderDevice}:${envelope.clientMsgId}`]: { body: 'from before', sentAt: 1, eventId: first.id, keyId: envelope.keyId, counter: envelope.counter } },
        verified: {},
        asked: { [askedKey]: now - KEY_WAIT_MS },
      }),
    );
    expect(await store.get('asked', askedKey)).toBe(now - KEY_WAIT_MS);
    const e2e = new E2ESession({ api, store, session: sessionOf(bob.keys), extractable: false, now: () => now });
    expect(await e2e.open({ ...first, id: randomUUID() })).toEqual({ status: 'replayed', firstEventId: first.id });
    expect(await e2e.open(first)).toEqual({ status: 'ok', body: 'from before', sentAt: 1 });
    expect(await e2e.open(missing)).toEqual({ status: 'not_shared' });
  });
});
