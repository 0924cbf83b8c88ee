import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from './store.js';

/**
 * The behaviour every Store implementation must have. Each implementation's test file calls this with
 * a factory; the suite never looks behind the interface.
 */
export function describeStoreContract(name: string, open: () => Promise<{ store: Store; close: () => Promise<void> }>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(async () => {
      await close();
    });

    /** A session to open with a new device: a fresh id and first refresh token. */
    const freshSession = (id: string = randomUUID(), tokenHash: string = randomUUID()) => ({ id, refreshToken: { tokenHash, expiresAt: new Date(Date.now() + 60_000) } });
    const newUser = async (username = `u${randomUUID().slice(0, 8)}`) => {
      const r = await store.createUserWithDevice({ id: randomUUID(), username, passwordHash: 'hash' }, { id: randomUUID(), name: 'first' }, freshSession());
      if (!r.ok) throw new Error(r.conflict);
      return r.value.user;
    };
    const newDevice = (userId: string, name: string, session = freshSession()) => store.createDeviceWithSession({ id: randomUUID(), userId, name }, session);
    const newRoom = async (ownerId: string, name = `r${randomUUID().slice(0, 8)}`) => {
      const r = await store.createRoom({ id: randomUUID(), name, topic: 't', visibility: 'open', ownerId, joinEventId: randomUUID() });
      if (!r.ok) throw new Error(r.conflict);
      return r.value;
    };

    /** Appends as a member and unwraps the result. */
    const append = async (roomId: string, sender: { id: string; username: string }, body: string, clientMsgId: string = randomUUID()) => {
      const [r] = await store.appendMessages([{ id: randomUUID(), roomId, sender, clientMsgId, body, envelope: null }]);
      if (!r?.ok) throw new Error(r?.ok === false ? r.conflict : 'no result');
      return r.value;
    };

    it('answers ping', async () => {
      expect(await store.ping()).toBe(true);
    });

    it('keeps usernames unique regardless of case and finds them case-insensitively', async () => {
      const name = `Ann${randomUUID().slice(0, 6)}`;
      const user = await newUser(name);
      const again = await store.createUserWithDevice({ id: randomUUID(), username: name.toUpperCase(), passwordHash: 'x' }, { id: randomUUID(), name: 'x' }, freshSession());
      expect(again).toEqual({ ok: false, conflict: 'username_taken' });
      expect((await store.findUserByUsername(name.toLowerCase()))?.id).toBe(user.id);
      expect((await store.findUserById(user.id))?.username).toBe(name);
      expect(await store.findUserByUsername('nobody-here')).toBeNull();
    });

    it('creates an account with its first device and session at once, or nothing when a step cannot be stored', async () => {
      const newSession = (tokenHash = randomUUID()) => ({ id: randomUUID(), refreshToken: { tokenHash, expiresAt: new Date(Date.now() + 60_000) } });
      const name = `Dev${randomUUID().slice(0, 6)}`;
      const session = newSession();
      const first = await store.createUserWithDevice({ id: randomUUID(), username: name, passwordHash: 'h' }, { id: randomUUID(), name: 'laptop' }, session);
      if (!first.ok) throw new Error(first.conflict);
      expect((await store.findDevice(first.value.device.id))?.userId).toBe(first.value.user.id);
      expect(await store.findSession(session.id)).toMatchObject({ userId: first.value.user.id, deviceId: first.value.device.id, revokedAt: null });
      expect(await store.findRefreshToken(session.refreshToken.tokenHash)).toMatchObject({ familyId: session.id, deviceId: first.value.device.id });
      expect(await store.createUserWithDevice({ id: randomUUID(), username: name.toLowerCase(), passwordHash: 'h' }, { id: randomUUID(), name: 'x' }, newSession())).toEqual({
        ok: false,
        conflict: 'username_taken',
      });
      // A device id already taken makes the second step fail: the user of the first step must not remain.
      const other = `Dev${randomUUID().slice(0, 6)}`;
      await expect(store.createUserWithDevice({ id: randomUUID(), username: other, passwordHash: 'h' }, { id: first.value.device.id, name: 'dup' }, newSession())).rejects.toThrow();
      expect(await store.findUserByUsername(other)).toBeNull();
      // So does a refresh token already stored (the last step): no user, no device.
      const third = `Dev${randomUUID().slice(0, 6)}`;
      const deviceId = randomUUID();
      await expect(store.createUserWithDevice({ id: randomUUID(), username: third, passwordHash: 'h' }, { id: deviceId, name: 'dup' }, newSession(session.refreshToken.tokenHash))).rejects.toThrow();
      expect(await store.findUserByUsername(third)).toBeNull();
      expect(await store.findDevice(deviceId)).toBeNull();
    });

    it('signs an existing user in with a new device and its session at once, or not at all', async () => {
      const user = await newUser();
      const session = { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } };
      const device = await store.createDeviceWithSession({ id: randomUUID(), userId: user.id, name: 'phone' }, session);
      expect(await store.findSession(session.id)).toMatchObject({ deviceId: device.id });
      const failing = { id: randomUUID(), refreshToken: session.refreshToken };
      const deviceId = randomUUID();
      await expect(store.createDeviceWithSession({ id: deviceId, userId: user.id, name: 'tablet' }, failing)).rejects.toThrow();
      expect(await store.findDevice(deviceId)).toBeNull();
    });

    it('consumes a refresh token once and revokes its family', async () => {
      const user = await newUser();
      const device = await newDevice(user.id, 'cli');
      const familyId = randomUUID();
      const expiresAt = new Date(Date.now() + 60_000);
      await store.insertRefreshToken({ tokenHash: 'h1' + familyId, familyId, userId: user.id, deviceId: device.id, expiresAt });
      await store.insertRefreshToken({ tokenHash: 'h2' + familyId, familyId, userId: user.id, deviceId: device.id, expiresAt });
      expect(await store.consumeRefreshToken('h1' + familyId, new Date())).toBe(true);
      expect(await store.consumeRefreshToken('h1' + familyId, new Date())).toBe(false);
      expect((await store.findRefreshToken('h1' + familyId))?.usedAt).toBeInstanceOf(Date);
      await store.revokeTokenFamily(familyId, new Date());
      expect((await store.findRefreshToken('h2' + familyId))?.revokedAt).toBeInstanceOf(Date);
      expect(await store.consumeRefreshToken('h2' + familyId, new Date())).toBe(false);
    });

    it('rotates a refresh token once, keeping the sealed successor until it expires, and revokes sessions with their family or device', async () => {
      const user = await newUser();
      const familyId = randomUUID();
      const device = await newDevice(user.id, 'cli', freshSession(familyId, 'a' + familyId));
      expect(await store.findSession(familyId)).toEqual({ id: familyId, userId: user.id, deviceId: device.id, revokedAt: null });
      const expiresAt = new Date(Date.now() + 60_000);
      const at = new Date();
      const rotation = (spentHash: string, nextHash: string) => ({
        spentHash,
        at,
        next: { tokenHash: nextHash, familyId, userId: user.id, deviceId: device.id, expiresAt },
        sealedSuccessor: `sealed-${nextHash}`,
        successorExpiresAt: new Date(at.getTime() + 10_000),
      });
      expect(await store.rotateRefreshToken(rotation('a' + familyId, 'b' + familyId))).toBe(true);
      // A second rotation of the same token loses, and writes nothing.
      expect(await store.rotateRefreshToken(rotation('a' + familyId, 'c' + familyId))).toBe(false);
      expect(await store.findRefreshToken('c' + familyId)).toBeNull();
      expect((await store.findRefreshToken('b' + familyId))?.usedAt).toBeNull();
      expect(await store.findRefreshSuccessor('a' + familyId, at)).toBe(`sealed-b${familyId}`);
      expect(await store.findRefreshSuccessor('a' + familyId, new Date(at.getTime() + 10_000))).toBeNull();
      await store.revokeTokenFamily(familyId, new Date());
      expect((await store.findSession(familyId))?.revokedAt).toBeInstanceOf(Date);
      expect(await store.findRefreshSuccessor('a' + familyId, at)).toBeNull();
      // Revoking the device ends its other sessions too.
      const second = randomUUID();
      await store.createSession({ id: second, userId: user.id, deviceId: device.id });
      expect(await store.revokeDevice(user.id, device.id, new Date())).toBe(true);
      expect((await store.findSession(second))?.revokedAt).toBeInstanceOf(Date);
      expect(await store.findSession(randomUUID())).toBeNull();
      // Many at once, in one read: the unknown one is left out.
      const found = await store.findSessions([familyId, second, randomUUID()]);
      expect(found.map((r) => r.id).sort()).toEqual([familyId, second].sort());
      expect(found.every((r) => r.revokedAt instanceof Date)).toBe(true);
      expect(await store.findSessions([])).toEqual([]);
    });

    it('creates a room with its owner as member and the join as seq 1', async () => {
      const owner = await newUser();
      const { room, event } = await newRoom(owner.id);
      expect(room.headSeq).toBe(1);
      expect(room.memberCount).toBe(1);
      expect(event).toMatchObject({ seq: 1, kind: 'join', sender: { id: owner.id, username: owner.username }, body: null });
      expect((await store.getMembership(room.id, owner.id))?.role).toBe('owner');
      const dup = await store.createRoom({ id: randomUUID(), name: room.name, topic: '', visibility: 'open', ownerId: owner.id, joinEventId: randomUUID() });
      expect(dup).toEqual({ ok: false, conflict: 'room_exists' });
      expect((await store.findRoomByName(room.name))?.id).toBe(room.id);
      expect((await store.listOpenRooms({ limit: 1000, prefix: room.name })).map((r) => r.id)).toEqual([room.id]);
    });

    it('pages the open rooms by name and finds them by name or topic, taking % and _ literally', async () => {
      const owner = await newUser();
      const tag = `d${randomUUID().slice(0, 8)}`;
      const make = (suffix: string, topic: string, visibility: 'open' | 'private' = 'open') =>
        store.createRoom({ id: randomUUID(), name: `${tag}-${suffix}`, topic, visibility, ownerId: owner.id, joinEventId: randomUUID() });
      await make('gamma', 'Sale: 50% off');
      await make('alpha', 'Plans for the WEEKEND');
      await make('beta', '');
      await make('hidden', 'weekend plans', 'private');
      const first = await store.listOpenRooms({ limit: 2, prefix: tag });
      expect(first.map((r) => r.name)).toEqual([`${tag}-alpha`, `${tag}-beta`]);
      const second = await store.listOpenRooms({ limit: 2, prefix: tag, after: `${tag}-beta` });
      expect(second.map((r) => r.name)).toEqual([`${tag}-gamma`]);
      expect((await store.listOpenRooms({ limit: 10, prefix: tag, contains: 'weekend' })).map((r) => r.name)).toEqual([`${tag}-alpha`]);
      expect((await store.listOpenRooms({ limit: 10, prefix: tag, contains: '50%' })).map((r) => r.name)).toEqual([`${tag}-gamma`]);
      expect(await store.listOpenRooms({ limit: 10, prefix: tag, contains: '5_%' })).toEqual([]);
      expect(await store.listOpenRooms({ limit: 10, prefix: `${tag}_` })).toEqual([]);
      expect(first[0]?.memberCount).toBe(1);
    });

    it("sets a room's topic", async () => {
      const owner = await newUser();
      const { room } = await newRoom(owner.id);
      expect((await store.setRoomTopic(room.id, 'new topic'))?.topic).toBe('new topic');
      expect((await store.findRoomById(room.id))?.topic).toBe('new topic');
      expect(await store.setRoomTopic(randomUUID(), 'x')).toBeNull();
    });

    it('sequences joins, messages and leaves in one dense stream', async () => {
      const owner = await newUser();
      const other = await newUser();
      const { room } = await newRoom(owner.id);
      const join = await store.addMember({ roomId: room.id, userId: other.id, role: 'member', eventId: randomUUID() });
      expect(join.ok && join.value.seq).toBe(2);
      expect(await store.addMember({ roomId: room.id, userId: other.id, role: 'member', eventId: randomUUID() })).toEqual({
        ok: false,
        conflict: 'already_member',
      });
      const msg = await append(room.id, other, 'hi');
      expect(msg.event.seq).toBe(3);
      const leave = await store.removeMember({ roomId: room.id, userId: other.id, eventId: randomUUID() });
      expect(leave.ok && leave.value).toMatchObject({ seq: 4, kind: 'leave' });
      expect(await store.removeMember({ roomId: room.id, userId: other.id, eventId: randomUUID() })).toEqual({
        ok: false,
        conflict: 'not_member',
      });
      expect(await store.getMembership(room.id, other.id)).toBeNull();
      expect((await store.listEvents(room.id, { afterSeq: 0, limit: 10 })).map((e) => e.kind)).toEqual(['join', 'join', 'message', 'leave']);
      expect(await store.headSeq(room.id)).toBe(4);
      expect((await store.listRoomsOfUser(owner.id)).find((r) => r.id === room.id)?.role).toBe('owner');
      expect((await store.listRoomsOfUser(other.id)).some((r) => r.id === room.id)).toBe(false);
    });

    it('returns the original event for a repeated clientMsgId and writes nothing', async () => {
      const owner = await newUser();
      const { room } = await newRoom(owner.id);
      const clientMsgId = randomUUID();
      const first = await append(room.id, owner, 'once', clientMsgId);
      const again = await append(room.id, owner, 'once', clientMsgId);
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ event: first.event, duplicate: true });
      expect(await store.headSeq(room.id)).toBe(2);
    });

    it('assigns distinct dense seqs to concurrent sends and dedupes concurrent retries', async () => {
      const owner = await newUser();
      const { room } = await newRoom(owner.id);
      const retried = randomUUID();
      const sends = Array.from({ length: 20 }, (_, i) =>
        append(room.id, owner, `m${i}`, i < 5 ? retried : randomUUID()),
      );
      const results = await Promise.all(sends);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(16);
      expect(new Set(results.filter((r) => r.event.clientMsgId === retried).map((r) => r.event.id)).size).toBe(1);
      const events = await store.listEvents(room.id, { afterSeq: 0, limit: 100 });
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    });

    it('pages history before and after a seq in ascending order', async () => {
      const owner = await newUser();
      const { room } = await newRoom(owner.id);
      for (let i = 0; i < 9; i++) {
        await append(room.id, owner, `m${i}`);
      }
      expect((await store.listEvents(room.id, { limit: 3 })).map((e) => e.seq)).toEqual([8, 9, 10]);
      expect((await store.listEvents(room.id, { beforeSeq: 8, limit: 3 })).map((e) => e.seq)).toEqual([5, 6, 7]);
      expect((await store.listEvents(room.id, { afterSeq: 8, limit: 5 })).map((e) => e.seq)).toEqual([9, 10]);
      expect((await store.listEvents(room.id, { beforeSeq: 1, limit: 5 }))).toEqual([]);
    });

    it('appends a batch in order, one result per message, deduping repeats within it', async () => {
      const owner = await newUser();
      const stranger = await newUser();
      const a = await newRoom(owner.id);
      const b = await newRoom(owner.id);
      const repeated = randomUUID();
      const results = await store.appendMessages([
        { id: randomUUID(), roomId: a.room.id, sender: owner, clientMsgId: repeated, body: 'a1', envelope: null },
        { id: randomUUID(), roomId: b.room.id, sender: owner, clientMsgId: randomUUID(), body: 'b1', envelope: null },
        { id: randomUUID(), roomId: a.room.id, sender: owner, clientMsgId: randomUUID(), body: 'a2', envelope: null },
        { id: randomUUID(), roomId: a.room.id, sender: stranger, clientMsgId: randomUUID(), body: 'nope', envelope: null },
        { id: randomUUID(), roomId: a.room.id, sender: owner, clientMsgId: repeated, body: 'a1', envelope: null },
      ]);
      expect(results.map((r) => (r.ok ? [r.value.event.body, r.value.event.seq, r.value.duplicate] : r.conflict))).toEqual([
        ['a1', 2, false],
        ['b1', 2, false],
        ['a2', 3, false],
        'not_member',
        ['a1', 2, true],
      ]);
      // What a batch answers is what was stored: ids, seqs, bodies and times as a later read sees them.
      const stored = [...(await store.listEvents(a.room.id, { afterSeq: 1, limit: 10 })), ...(await store.listEvents(b.room.id, { afterSeq: 1, limit: 10 }))];
      for (const r of results) if (r.ok) expect(stored).toContainEqual(r.value.event);
      expect(stored).toHaveLength(3);
      expect(await store.appendMessages([])).toEqual([]);
      await expect(store.appendMessages([{ id: randomUUID(), roomId: randomUUID(), sender: owner, clientMsgId: randomUUID(), body: 'x', envelope: null }])).rejects.toThrow();
    });

    it('refuses a message from a non-member, but still answers the retry of one sent while a member', async () => {
      const owner = await newUser();
      const other = await newUser();
      const { room } = await newRoom(owner.id);
      const stranger = (await store.appendMessages([{ id: randomUUID(), roomId: room.id, sender: other, clientMsgId: randomUUID(), body: 'x', envelope: null }]))[0];
      expect(stranger).toEqual({ ok: false, conflict: 'not_member' });
      await store.addMember({ roomId: room.id, userId: other.id, role: 'member', eventId: randomUUID() });
      const clientMsgId = randomUUID();
      const sent = await append(room.id, other, 'before leaving', clientMsgId);
      await store.removeMember({ roomId: room.id, userId: other.id, eventId: randomUUID() });
      expect(await append(room.id, other, 'before leaving', clientMsgId)).toEqual({ event: sent.event, duplicate: true });
      expect((await store.appendMessages([{ id: randomUUID(), roomId: room.id, sender: other, clientMsgId: randomUUID(), body: 'after', envelope: null }]))[0]).toEqual({ ok: false, conflict: 'not_member' });
      expect(await store.headSeq(room.id)).toBe(4);
    });

    it('records a removal by the owner as a remove event with the member as target', async () => {
      const owner = await newUser();
      const other = await newUser();
      const { room } = await newRoom(owner.id);
      await store.addMember({ roomId: room.id, userId: other.id, role: 'member', eventId: randomUUID() });
      const removed = await store.removeMember({ roomId: room.id, userId: other.id, eventId: randomUUID(), by: owner.id });
      expect(removed.ok && removed.value).toMatchObject({ kind: 'remove', sender: { id: owner.id }, target: { id: other.id, username: other.username } });
      const events = await store.listEvents(room.id, { afterSeq: 2, limit: 5 });
      expect(events[0]).toMatchObject({ kind: 'remove', target: { id: other.id } });
    });

    it('answers which of many rooms a user is in, with each room’s head seq, in one call', async () => {
      const owner = await newUser();
      const other = await newUser();
      const { room: a } = await newRoom(owner.id);
      const { room: b } = await newRoom(owner.id);
      const { room: c } = await newRoom(other.id);
      await append(a.id, owner, 'one');
      await store.addMember({ roomId: c.id, userId: owner.id, role: 'member', eventId: randomUUID() });
      await store.removeMember({ roomId: c.id, userId: owner.id, eventId: randomUUID() });
      const unknown = Array.from({ length: 300 }, () => randomUUID());
      const heads = await store.membershipsOf(owner.id, [a.id, ...unknown, b.id, c.id]);
      expect([...heads].sort()).toEqual([[a.id, 2], [b.id, 1]].sort());
      expect(await store.membershipsOf(owner.id, [])).toEqual(new Map());
    });

    it('answers many users’ membership questions in one call, one map per ask in order', async () => {
      const owner = await newUser();
      const other = await newUser();
      const { room: a } = await newRoom(owner.id);
      const { room: b } = await newRoom(other.id);
      await append(a.id, owner, 'one');
      const unknown = randomUUID();
      const answers = await store.membershipsOfMany([
        { userId: other.id, roomIds: [a.id, b.id, unknown] },
        { userId: owner.id, roomIds: [] },
        { userId: owner.id, roomIds: [b.id, a.id] },
        { userId: other.id, roomIds: [b.id] },
      ]);
      expect(answers).toEqual([new Map([[b.id, 1]]), new Map(), new Map([[a.id, 2]]), new Map([[b.id, 1]])]);
      expect(await store.membershipsOfMany([])).toEqual([]);
    });

    it('answers the rooms of many users in one call, every user asked about a key', async () => {
      const owner = await newUser();
      const other = await newUser();
      const loner = await newUser();
      const { room: a } = await newRoom(owner.id);
      const { room: b } = await newRoom(other.id);
      await store.addMember({ roomId: b.id, userId: owner.id, role: 'member', eventId: randomUUID() });
      const { room: c } = await newRoom(other.id);
      await store.addMember({ roomId: c.id, userId: owner.id, role: 'member', eventId: randomUUID() });
      await store.removeMember({ roomId: c.id, userId: owner.id, eventId: randomUUID() });
      const unknown = randomUUID();
      const rooms = await store.roomIdsOfUsers([owner.id, other.id, loner.id, unknown, owner.id]);
      expect(new Map([...rooms].map(([user, ids]) => [user, [...ids].sort()]))).toEqual(
        new Map([
          [owner.id, [a.id, b.id].sort()],
          [other.id, [b.id, c.id].sort()],
          [loner.id, []],
          [unknown, []],
        ]),
      );
      expect(await store.roomIdsOfUsers([])).toEqual(new Map());
    });

    it('keeps text out of private rooms and envelopes out of open ones', async () => {
      const owner = await newUser();
      const open = await newRoom(owner.id);
      const priv = await store.createRoom({ id: randomUUID(), name: `p${randomUUID().slice(0, 8)}`, topic: '', visibility: 'private', ownerId: owner.id, joinEventId: randomUUID() });
      if (!priv.ok) throw new Error(priv.conflict);
      const envelope = { v: 1, suite: 'p256-hmac-aes256gcm-1', roomId: priv.value.room.id, senderUser: owner.id, senderDevice: randomUUID(), keyId: 'k'.repeat(22), counter: 0, clientMsgId: randomUUID(), iv: 'i'.repeat(16), ct: 'c'.repeat(40), sig: 's'.repeat(86) } as const;
      expect((await store.appendMessages([{ id: randomUUID(), roomId: priv.value.room.id, sender: owner, clientMsgId: randomUUID(), body: 'plain', envelope: null }]))[0]).toEqual({ ok: false, conflict: 'wrong_payload' });
      expect((await store.appendMessages([{ id: randomUUID(), roomId: open.room.id, sender: owner, clientMsgId: randomUUID(), body: null, envelope }]))[0]).toEqual({ ok: false, conflict: 'wrong_payload' });
      const stored = (await store.appendMessages([{ id: randomUUID(), roomId: priv.value.room.id, sender: owner, clientMsgId: envelope.clientMsgId, body: null, envelope }]))[0];
      expect(stored?.ok && stored.value.event).toMatchObject({ body: null, envelope });
      expect((await store.listEvents(priv.value.room.id, { afterSeq: 1, limit: 5 }))[0]?.envelope).toEqual(envelope);
    });

    it('takes each (sender device, keyId, counter) of a private message once, also in one batch and in a relation', async () => {
      const owner = await newUser();
      const priv = await store.createRoom({ id: randomUUID(), name: `p${randomUUID().slice(0, 8)}`, topic: '', visibility: 'private', ownerId: owner.id, joinEventId: randomUUID() });
      if (!priv.ok) throw new Error(priv.conflict);
      const roomId = priv.value.room.id;
      const device = randomUUID();
      const sealed = (counter: number) => ({ v: 1, suite: 'p256-hmac-aes256gcm-1', roomId, senderUser: owner.id, senderDevice: device, keyId: 'k'.repeat(22), counter, clientMsgId: randomUUID(), iv: 'i'.repeat(16), ct: 'c'.repeat(40), sig: 's'.repeat(86) }) as const;
      const message = (envelope: ReturnType<typeof sealed>) => ({ id: randomUUID(), roomId, sender: owner, clientMsgId: envelope.clientMsgId, body: null, envelope });
      const first = sealed(0);
      const copy = sealed(0);
      const [a, b, c] = await store.appendMessages([message(first), message(copy), message(sealed(1))]);
      expect(a?.ok).toBe(true);
      expect(b).toEqual({ ok: false, conflict: 'key_reused' });
      expect(c?.ok).toBe(true);
      // A retry of the first (same clientMsgId) is its duplicate, not a reuse.
      expect((await store.appendMessages([message(first)]))[0]).toMatchObject({ ok: true, value: { duplicate: true } });
      const target = a?.ok ? a.value.event.id : '';
      const reply = sealed(1);
      expect(await store.appendRelation({ ...message(reply), relation: { type: 'reply', eventId: target } })).toEqual({ ok: false, conflict: 'key_reused' });
    });

    it('redeems an invite with N uses exactly N times, even concurrently, and refuses revoked or expired ones', async () => {
      const owner = await newUser();
      const { room } = await newRoom(owner.id);
      const now = new Date();
      const ihash = `h${randomUUID()}`;
      await store.createInvite({ id: randomUUID(), roomId: room.id, tokenHash: ihash, createdBy: owner.id, expiresAt: new Date(now.getTime() + 60_000), maxUses: 3 });
      const users = await Promise.all(Array.from({ length: 8 }, () => newUser()));
      const results = await Promise.all(users.map((u) => store.redeemInvite({ tokenHash: ihash, userId: u.id, eventId: randomUUID(), now })));
      expect(results.filter((r) => r.ok)).toHaveLength(3);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.conflict)).toEqual(Array(5).fill('invite_used_up'));
      expect((await store.listInvites(room.id))[0]?.uses).toBe(3);
      // A member redeeming again changes nothing and uses nothing.
      const member = users[results.findIndex((r) => r.ok)] as { id: string };
      expect(await store.redeemInvite({ tokenHash: ihash, userId: member.id, eventId: randomUUID(), now })).toMatchObject({ ok: true, value: { event: null } });
      expect(await store.redeemInvite({ tokenHash: 'nope', userId: member.id, eventId: randomUUID(), now })).toEqual({ ok: false, conflict: 'invite_unknown' });
      const later = new Date(now.getTime() + 120_000);
      const other = await newUser();
      const second = await store.createInvite({ id: randomUUID(), roomId: room.id, tokenHash: `x${ihash}`, createdBy: owner.id, expiresAt: new Date(now.getTime() + 60_000), maxUses: 5 });
      expect(await store.redeemInvite({ tokenHash: `x${ihash}`, userId: other.id, eventId: randomUUID(), now: later })).toEqual({ ok: false, conflict: 'invite_expired' });
      expect(await store.revokeInvite(room.id, second.id, now)).toBe(true);
      expect(await store.revokeInvite(room.id, second.id, now)).toBe(false);
      expect(await store.redeemInvite({ tokenHash: `x${ihash}`, userId: other.id, eventId: randomUUID(), now })).toEqual({ ok: false, conflict: 'invite_revoked' });
    });

    it('refuses an invite made before a member was removed to that member, and admits them with a later one', async () => {
      const owner = await newUser();
      const guest = await newUser();
      const { room } = await newRoom(owner.id);
      const now = new Date();
      const before = `b${randomUUID()}`;
      await store.createInvite({ id: randomUUID(), roomId: room.id, tokenHash: before, createdBy: owner.id, expiresAt: new Date(now.getTime() + 60_000), maxUses: 5 });
      expect((await store.redeemInvite({ tokenHash: before, userId: guest.id, eventId: randomUUID(), now })).ok).toBe(true);
      expect((await store.removeMember({ roomId: room.id, userId: guest.id, eventId: randomUUID(), by: owner.id })).ok).toBe(true);
      expect(await store.redeemInvite({ tokenHash: before, userId: guest.id, eventId: randomUUID(), now })).toEqual({ ok: false, conflict: 'invite_removed' });
      expect((await store.listInvites(room.id))[0]?.uses).toBe(1);
      const after = `a${randomUUID()}`;
      await store.createInvite({ id: randomUUID(), roomId: room.id, tokenHash: after, createdBy: owner.id, expiresAt: new Date(now.getTime() + 60_000), maxUses: 1 });
      expect(await store.redeemInvite({ tokenHash: after, userId: guest.id, eventId: randomUUID(), now })).toMatchObject({ ok: true, value: { event: { kind: 'join' } } });
      // Leaving on one's own is no removal: the old invite still lets a leaver back.
      const leaver = await newUser();
      expect((await store.redeemInvite({ tokenHash: before, userId: leaver.id, eventId: randomUUID(), now })).ok).toBe(true);
      expect((await store.removeMember({ roomId: room.id, userId: leaver.id, eventId: randomUUID() })).ok).toBe(true);
      expect((await store.redeemInvite({ tokenHash: before, userId: leaver.id, eventId: randomUUID(), now })).ok).toBe(true);
    });

    it('publishes device bundles and queues shares per device until acknowledged', async () => {
      const alice = await newUser();
      const bob = await newUser();
      const { room } = await newRoom(alice.id);
      const ad = await newDevice(alice.id, 'a');
      const bd = await newDevice(bob.id, 'b');
      await newDevice(bob.id, 'unpublished');
      const bundle = (u: string, d: string) => ({ userId: u, deviceId: d, signingKey: 'S'.repeat(87), dhKey: 'D'.repeat(87), prekey: { id: 1, key: 'P'.repeat(87), createdAt: 1 }, signature: 'x'.repeat(86) });
      await store.setDeviceBundle(ad.id, bundle(alice.id, ad.id));
      await store.setDeviceBundle(bd.id, bundle(bob.id, bd.id));
      const listed = await store.listDevicesOfUsers([alice.id, bob.id]);
      expect(listed.map((d) => d.deviceId).sort()).toEqual([ad.id, bd.id].sort());
      expect(listed.find((d) => d.deviceId === bd.id)?.bundle).toEqual(bundle(bob.id, bd.id));
      const share = (n: number) => ({ v: 1, roomId: room.id, senderUser: alice.id, senderDevice: ad.id, recipientUser: bob.id, recipientDevice: bd.id, prekeyId: 1, ephemeralKey: 'E'.repeat(87), iv: 'i'.repeat(16), ct: `c${n}`, sig: 's'.repeat(86) }) as const;
      const ids = [randomUUID(), randomUUID()];
      await store.enqueueShares(ids.map((id, n) => ({ id, recipientDevice: bd.id, roomId: room.id, senderDevice: ad.id, share: share(n) })));
      const queued = await store.listShares(bd.id, 10);
      expect(queued.map((q) => q.share.ct).sort()).toEqual(['c0', 'c1']);
      expect(await store.listShares(ad.id, 10)).toEqual([]);
      await store.ackShares(bd.id, [ids[0] as string]);
      expect((await store.listShares(bd.id, 10)).map((q) => q.id)).toEqual([ids[1]]);
    });

    it('sets an identity key once, keeps device signatures while the keys stay, and advances a verification only from the state read', async () => {
      const alice = await newUser();
      const ad = await newDevice(alice.id, 'a');
      const bundle = (signingKey: string) => ({ userId: alice.id, deviceId: ad.id, signingKey, dhKey: 'D'.repeat(87), prekey: { id: 1, key: 'P'.repeat(87), createdAt: 1 }, signature: 'x'.repeat(86) });
      await store.setDeviceBundle(ad.id, bundle('S'.repeat(87)));
      expect(await store.getUserIdentity(alice.id)).toBeNull();
      expect(await store.setUserIdentity(alice.id, 'I'.repeat(87), ad.id, 'sig1')).toBe(true);
      expect(await store.setUserIdentity(alice.id, 'J'.repeat(87), ad.id, 'sig2')).toBe(false);
      expect(await store.getUserIdentity(alice.id)).toBe('I'.repeat(87));
      expect((await store.listDevicesOfUsers([alice.id]))[0]).toMatchObject({ identityKey: 'I'.repeat(87), crossSignature: 'sig1' });
      // A prekey rotation keeps the signature; other keys lose it.
      await store.setDeviceBundle(ad.id, { ...bundle('S'.repeat(87)), prekey: { id: 2, key: 'Q'.repeat(87), createdAt: 2 } });
      expect((await store.listDevicesOfUsers([alice.id]))[0]?.crossSignature).toBe('sig1');
      await store.setDeviceBundle(ad.id, bundle('T'.repeat(87)));
      expect((await store.listDevicesOfUsers([alice.id]))[0]?.crossSignature).toBeNull();
      expect(await store.setUserIdentity(alice.id, 'J'.repeat(87), ad.id, 'sig3', true)).toBe(true);
      expect(await store.getUserIdentity(alice.id)).toBe('J'.repeat(87));

      const state = { step: 'requested' as const, commitment: 'c'.repeat(43), approverDevice: null, approverKey: null, newKey: null, newConfirmed: false, approverConfirmed: false, reason: null };
      const id = randomUUID();
      await store.createVerification({ id, userId: alice.id, newDevice: ad.id, state, createdAt: new Date() }, 'replaced');
      const next = { ...state, step: 'cancelled' as const, reason: 'no' };
      expect(await store.advanceVerification(id, state, next)).toBe(true);
      expect(await store.advanceVerification(id, state, { ...state, newConfirmed: true })).toBe(false);
      expect((await store.findVerification(id))?.state).toEqual(next);
      expect((await store.listVerifications(alice.id, new Date(Date.now() - 60_000), 10)).map((v) => v.id)).toEqual([id]);
      // Only the open ones (neither done nor cancelled), however many closed ones there are.
      const open = randomUUID();
      await store.createVerification({ id: open, userId: alice.id, newDevice: ad.id, state, createdAt: new Date() }, 'replaced');
      expect((await store.listOpenVerifications(alice.id, new Date(Date.now() - 60_000))).map((v) => v.id)).toEqual([open]);

      // A device's new request replaces its open one, even several sent at the same moment: one stays open.
      const at = new Date();
      const ids = Array.from({ length: 4 }, () => randomUUID());
      await Promise.all(ids.map((vid) => store.createVerification({ id: vid, userId: alice.id, newDevice: ad.id, state, createdAt: at }, 'replaced')));
      const stillOpen = await store.listOpenVerifications(alice.id, new Date(Date.now() - 60_000));
      expect(stillOpen).toHaveLength(1);
      expect(ids).toContain(stillOpen[0]?.id);
      for (const vid of [open, ...ids.filter((x) => x !== stillOpen[0]?.id)]) {
        expect((await store.findVerification(vid))?.state).toEqual({ ...state, step: 'cancelled', reason: 'replaced', cancelledBy: null });
      }
    });

    it('finds a direct-message room by its pair key', async () => {
      const a = await newUser();
      const dmKey = `${a.id}:${randomUUID()}`;
      const made = await store.createRoom({ id: randomUUID(), name: `dm-${randomUUID().slice(0, 8)}`, topic: '', visibility: 'private', ownerId: a.id, joinEventId: randomUUID(), dmKey });
      expect(made.ok).toBe(true);
      expect((await store.findDmRoom(dmKey))?.visibility).toBe('private');
      const again = await store.createRoom({ id: randomUUID(), name: `dm-${randomUUID().slice(0, 8)}`, topic: '', visibility: 'private', ownerId: a.id, joinEventId: randomUUID(), dmKey });
      expect(again).toEqual({ ok: false, conflict: 'room_exists' });
    });

    it('searches messages with phrases, exclusions, ranking, filters and highlighted snippets', async () => {
      const alice = await newUser();
      const bob = await newUser();
      const { room } = await newRoom(alice.id);
      const { room: other } = await newRoom(bob.id);
      await store.addMember({ roomId: room.id, userId: bob.id, role: 'member', eventId: randomUUID() });
      // A few milliseconds apart, so that the time filters can tell them apart.
      const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
      const once = await append(room.id, alice, 'The deploy went fine on staging');
      await pause();
      const twice = await append(room.id, bob, 'Deploy, deploy: we deploy the release after the release notes are ready');
      await pause();
      const notes = await append(room.id, alice, 'Notes on the release are late');
      await append(other.id, bob, 'A deploy in a room this search does not cover');
      const search = (query: string, extra: Partial<Parameters<Store['searchMessages']>[0]> = {}) =>
        store.searchMessages({ query, roomIds: [room.id], limit: 10, offset: 0, ...extra });
      const ids = async (query: string, extra = {}) => (await search(query, extra)).map((h) => h.eventId);

      // Ranking: more occurrences first; only the rooms asked for.
      expect(await ids('deploy')).toEqual([twice.event.id, once.event.id]);
      expect(await ids('"release notes"')).toEqual([twice.event.id]);
      expect(await ids('deploy -staging')).toEqual([twice.event.id]);
      expect(await ids('staging or late')).toEqual(expect.arrayContaining([once.event.id, notes.event.id]));
      expect(await ids('deploy', { senderId: alice.id })).toEqual([once.event.id]);
      expect(await ids('release', { since: new Date(Date.parse(notes.event.createdAt)) })).toEqual([notes.event.id]);
      expect(await ids('release', { until: new Date(Date.parse(twice.event.createdAt) + 1) })).toEqual([twice.event.id]);
      expect(await ids('deploy', { limit: 1, offset: 1 })).toEqual([once.event.id]);
      // No stop words: "the" is a word like any other.
      expect((await ids('the')).sort()).toEqual([once.event.id, twice.event.id, notes.event.id].sort());
      expect(await store.searchMessages({ query: 'deploy', roomIds: [], limit: 10, offset: 0 })).toEqual([]);

      const [hit] = await search('staging');
      expect(hit).toMatchObject({ roomId: room.id, roomName: room.name, seq: once.event.seq, sender: { id: alice.id, username: alice.username }, createdAt: once.event.createdAt });
      expect(hit?.snippet.text).toBe('The deploy went fine on staging');
      expect(hit?.snippet.highlights.map(([a, b]) => hit.snippet.text.slice(a, b))).toEqual(['staging']);
      expect(hit?.score).toBeGreaterThan(0);

      // A long message is shown by the fragment around its match.
      await append(room.id, bob, `${'Some unrelated words here. '.repeat(20)}Then the aardvark appears. ${'More filler follows it. '.repeat(20)}`);
      const [long] = await search('aardvark');
      expect(long?.snippet.text.length).toBeLessThan(300);
      expect(long?.snippet.highlights.map(([a, b]) => long.snippet.text.slice(a, b))).toEqual(['aardvark']);
    });

    it('keeps a key backup per user: entries land only in the current or next version, a commit replaces the rest, the one reaching further back stays', async () => {
      const user = await newUser();
      const other = await newUser();
      const roomId = randomUUID();
      const entry = (entryKey: string, firstCounter: number, ct = 'c1') => ({ kind: 'chain' as const, entryKey, roomId, firstCounter, iv: 'i'.repeat(16), ct });
      const v1 = { version: 1, keyCheck: 'k'.repeat(43) };
      expect(await store.findKeyBackup(user.id)).toBeNull();
      // A version that is neither current nor next is refused.
      expect(await store.putKeyBackupEntries(user.id, { version: 2, keyCheck: v1.keyCheck }, [entry('d:a', 0)])).toBe(false);
      expect(await store.putKeyBackupEntries(user.id, v1, [entry('d:a', 5), entry('d:b', 0)])).toBe(true);
      // Staged entries are not listed before their version is committed.
      expect(await store.listKeyBackupEntries(user.id, null, 10)).toEqual([]);
      expect(await store.commitKeyBackup(user.id, { version: 2, keyCheck: v1.keyCheck }, null)).toBe(false);
      expect(await store.commitKeyBackup(user.id, v1, null)).toBe(true);
      expect(await store.commitKeyBackup(user.id, v1, null)).toBe(false);
      expect(await store.findKeyBackup(user.id)).toMatchObject({ version: 1, keyCheck: v1.keyCheck, entries: 2 });
      // The current version needs its own key check.
      expect(await store.putKeyBackupEntries(user.id, { version: 1, keyCheck: 'x'.repeat(43) }, [entry('d:c', 0)])).toBe(false);
      // A later share of a chain does not replace the one reaching further back; an earlier one does.
      expect(await store.putKeyBackupEntries(user.id, v1, [entry('d:b', 3, 'later')])).toBe(true);
      expect(await store.putKeyBackupEntries(user.id, v1, [entry('d:a', 2, 'earlier')])).toBe(true);
      const listed = await store.listKeyBackupEntries(user.id, null, 10);
      expect(listed.map((e) => [e.entryKey, e.firstCounter, e.ct])).toEqual([
        ['d:a', 2, 'earlier'],
        ['d:b', 0, 'c1'],
      ]);
      expect(await store.listKeyBackupEntries(user.id, listed[0]?.id ?? null, 10)).toHaveLength(1);
      expect(await store.listKeyBackupEntries(other.id, null, 10)).toEqual([]);
      // A rotation stages version 2 beside version 1, then its commit deletes version 1's entries.
      const v2 = { version: 2, keyCheck: 'z'.repeat(43) };
      expect(await store.putKeyBackupEntries(user.id, v2, [entry('d:a', 2, 'v2')])).toBe(true);
      expect(await store.listKeyBackupEntries(user.id, null, 10)).toHaveLength(2);
      expect(await store.commitKeyBackup(user.id, v2, 0)).toBe(false);
      expect(await store.commitKeyBackup(user.id, v2, 1)).toBe(true);
      expect((await store.listKeyBackupEntries(user.id, null, 10)).map((e) => e.ct)).toEqual(['v2']);
      expect(await store.findKeyBackup(user.id)).toMatchObject({ version: 2, entries: 1 });
      // Entries for the old version are refused from now on.
      expect(await store.putKeyBackupEntries(user.id, v1, [entry('d:d', 0)])).toBe(false);
    });

    it('stores one key backup entry for a key named twice in one call: the one reaching further back, or the last identity', async () => {
      const user = await newUser();
      const roomId = randomUUID();
      const v1 = { version: 1, keyCheck: 'k'.repeat(43) };
      const chain = (entryKey: string, firstCounter: number, ct: string) => ({ kind: 'chain' as const, entryKey, roomId, firstCounter, iv: 'i'.repeat(16), ct });
      const identity = (ct: string) => ({ kind: 'identity' as const, entryKey: 'identity', roomId: null, firstCounter: 0, iv: 'i'.repeat(16), ct });
      expect(await store.putKeyBackupEntries(user.id, v1, [chain('d:a', 5, 'later'), chain('d:a', 3, 'earlier'), chain('d:a', 4, 'middle'), identity('old'), identity('new')])).toBe(true);
      expect(await store.commitKeyBackup(user.id, v1, null)).toBe(true);
      const listed = await store.listKeyBackupEntries(user.id, null, 10);
      expect(listed.map((e) => [e.kind, e.entryKey, e.firstCounter, e.ct]).sort()).toEqual([
        ['chain', 'd:a', 3, 'earlier'],
        ['identity', 'identity', 0, 'new'],
      ]);
    });

    it('records last seen', async () => {
      const user = await newUser();
      const at = new Date('2026-01-02T03:04:05.000Z');
      await store.touchUserLastSeen(user.id, at);
      expect((await store.findUserById(user.id))?.lastSeenAt?.toISOString()).toBe(at.toISOString());
      const room = await newRoom(user.id);
      expect((await store.listMembers(room.room.id))[0]?.lastSeenAt?.toISOString()).toBe(at.toISOString());
    });

    it('records where and when devices signed in, resumes a live device only, and writes last seen at most once per interval', async () => {
      const user = await newUser();
      const phone = await store.createDeviceWithSession({ id: randomUUID(), userId: user.id, name: 'phone', from: '203.0.113.7' }, freshSession());
      const listed = () => store.listAccountDevices(user.id).then((all) => all.find((d) => d.deviceId === phone.id));
      expect(await listed()).toMatchObject({ name: 'phone', addedFrom: '203.0.113.7', signedInFrom: '203.0.113.7', lastSeenAt: null });
      const at = new Date('2026-01-02T03:04:05.000Z');
      await store.touchDevicesLastSeen([{ deviceId: phone.id, at }], 60_000);
      await store.touchDevicesLastSeen([{ deviceId: phone.id, at: new Date(at.getTime() + 59_000) }], 60_000);
      expect((await listed())?.lastSeenAt?.toISOString()).toBe(at.toISOString());
      await store.touchDevicesLastSeen([{ deviceId: phone.id, at: new Date(at.getTime() + 61_000) }], 60_000);
      expect((await listed())?.lastSeenAt?.getTime()).toBe(at.getTime() + 61_000);

      const later = new Date('2026-02-03T04:05:06.000Z');
      const session = freshSession();
      expect(await store.resumeDeviceSession({ id: phone.id, userId: user.id, from: '198.51.100.1' }, session, later)).toMatchObject({ id: phone.id });
      expect(await listed()).toMatchObject({ addedFrom: '203.0.113.7', signedInFrom: '198.51.100.1', signedInAt: later, lastSeenAt: later });
      expect(await store.findRefreshToken(session.refreshToken.tokenHash)).toMatchObject({ deviceId: phone.id, familyId: session.id });
      // Another user's device, or a revoked one, is not resumed, and nothing is stored.
      const other = await newUser();
      const refused = freshSession();
      expect(await store.resumeDeviceSession({ id: phone.id, userId: other.id, from: null }, refused, later)).toBeNull();
      expect(await store.findRefreshToken(refused.refreshToken.tokenHash)).toBeNull();
      await store.revokeDevice(user.id, phone.id, later);
      expect(await store.resumeDeviceSession({ id: phone.id, userId: user.id, from: null }, freshSession(), later)).toBeNull();
      expect(await listed()).toBeUndefined();
    });
  });
}
