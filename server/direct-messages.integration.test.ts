import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptMessage, generateDeviceKeys, newOutboundChain, publicBundle } from '../shared/crypto/index.js';
import { ChatError } from '../shared/protocol/index.js';
import { codeOf, newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { hashOpaqueToken } from './services/tokens.js';
import { defaultMigrationsDir, migrate } from './store/migrate.js';
import { createPgliteClient } from './store/pglite-client.js';
import type { SqlClient } from './store/sql-client.js';
import { SqlStore } from './store/sql-store.js';

let t: TestServer;
let sql: SqlClient;
let store: SqlStore;
beforeAll(async () => {
  // Our own store, so that a test can plant the rows an older server left.
  sql = await createPgliteClient(undefined);
  await migrate(sql);
  store = new SqlStore(sql);
  t = await startTestServer({ store });
});
afterAll(async () => {
  await t.stop();
  await store.close();
});

/** A signed-in user whose device has published its keys. */
async function withKeys(prefix: string) {
  const u = await newUser(t.url, prefix);
  const keys = await generateDeviceKeys({ userId: u.session.user.id, deviceId: u.session.device.id, extractable: false, now: Date.now() });
  await u.api.publishBundle(await publicBundle(keys));
  return { ...u, keys, name: u.session.user.username };
}

type User = Awaited<ReturnType<typeof withKeys>>;

/** Sends one encrypted message as `from` into `roomId`; answers its seq. */
async function sendSealed(from: User, roomId: string, body: string): Promise<number> {
  const clientMsgId = randomUUID();
  const chain = await newOutboundChain(Date.now(), false);
  const sealed = await encryptMessage(chain, { roomId, senderUser: from.session.user.id, senderDevice: from.keys.deviceId, clientMsgId }, { body, sentAt: Date.now() });
  return (await from.api.sendEnvelope(roomId, sealed.envelope)).seq;
}

/** The ChatError a call threw (or null when it did not throw one). */
async function errorOf(p: Promise<unknown>): Promise<ChatError | null> {
  try {
    await p;
    return null;
  } catch (error) {
    return error instanceof ChatError ? error : null;
  }
}

/** A direct message opened by a fresh alice with a fresh bob (alice is the one the server used to make its owner). */
async function pair() {
  const alice = await withKeys('dmal');
  const bob = await withKeys('dmbo');
  const { room } = await alice.api.directMessage(bob.name);
  return { alice, bob, room };
}

describe('direct messages: two people, no owner', () => {
  it('refuses an invite into a direct message, from either member', async () => {
    const { alice, bob, room } = await pair();
    const refused = await errorOf(alice.api.createInvite(room.id, { maxUses: 5 }));
    expect(refused?.code).toBe('forbidden');
    expect(refused?.message).toMatch(/direct messages are between two people only/);
    expect(await codeOf(bob.api.createInvite(room.id))).toBe('forbidden');
    expect(await codeOf(alice.api.invites(room.id))).toBe('forbidden');
  });

  it('lets no third user join or read a direct message by its id or name', async () => {
    const { alice, bob, room } = await pair();
    const dave = await withKeys('dmdv');
    expect(await codeOf(dave.api.join(room.id))).toBe('not_found');
    expect(await codeOf(dave.api.join(room.name))).toBe('not_found');
    await sendSealed(bob, room.id, 'secret for alice only');
    expect(await codeOf(dave.api.history(room.id))).toBe('not_found');
    expect(await codeOf(dave.api.members(room.id))).toBe('not_found');
    expect(await codeOf(dave.api.devicesOfRoom(room.id))).toBe('not_found');
    expect((await alice.api.members(room.id)).map((m) => m.user.username).sort()).toEqual([alice.name, bob.name].sort());
  });

  it('refuses the redemption of an invite link to a direct message made before the fix', async () => {
    const { alice, bob, room } = await pair();
    const dave = await withKeys('dmdv');
    // An invite made by an older server: straight into the store, as the owner's endpoint made it then.
    const token = 'A'.repeat(43);
    await store.createInvite({ id: randomUUID(), roomId: room.id, tokenHash: hashOpaqueToken(token), createdBy: alice.session.user.id, expiresAt: new Date(Date.now() + 3_600_000), maxUses: 5 });
    const refused = await errorOf(dave.api.redeemInvite(token));
    expect(refused?.code).toBe('forbidden');
    expect(refused?.message).toMatch(/direct messages are between two people only/);
    expect(await codeOf(dave.api.history(room.id))).toBe('not_found');
    expect((await bob.api.members(room.id))).toHaveLength(2);
  });

  it('refuses kicks in a direct message, by either member', async () => {
    const { alice, bob, room } = await pair();
    const refused = await errorOf(alice.api.kick(room.id, bob.name));
    expect(refused?.code).toBe('forbidden');
    expect(refused?.message).toMatch(/direct messages are between two people only/);
    expect(await codeOf(bob.api.kick(room.id, alice.name))).toBe('forbidden');
    expect(await alice.api.members(room.id)).toHaveLength(2);
    expect(await codeOf(bob.api.history(room.id))).toBe('ok');
  });

  it('lets each member delete only their own messages', async () => {
    const { alice, bob, room } = await pair();
    const fromBob = await sendSealed(bob, room.id, 'from bob');
    const fromAlice = await sendSealed(alice, room.id, 'from alice');
    expect(await codeOf(alice.api.deleteMessage(room.id, fromBob))).toBe('forbidden');
    expect(await codeOf(bob.api.deleteMessage(room.id, fromAlice))).toBe('forbidden');
    expect(await codeOf(bob.api.deleteMessage(room.id, fromBob))).toBe('ok');
    expect(await codeOf(alice.api.deleteMessage(room.id, fromAlice))).toBe('ok');
  });

  it('lets either member set the topic, as equals, and shows neither as the owner', async () => {
    const { alice, bob, room } = await pair();
    expect((await bob.api.setTopic(room.id, 'from bob')).topic).toBe('from bob');
    expect((await alice.api.setTopic(room.id, 'from alice')).topic).toBe('from alice');
    expect((await alice.api.room(room.id)).role).toBe('member');
    expect((await alice.api.members(room.id)).map((m) => m.role)).toEqual(['member', 'member']);
    const again = await bob.api.directMessage(alice.name);
    expect(again.room.role).toBe('member');
  });

  it('treats a direct message made before the fix (opener stored as owner) the same way', async () => {
    const { alice, bob, room } = await pair();
    // Old data: the opener's row says owner, as the server used to store it.
    await sql.query(`UPDATE room_members SET role = 'owner' WHERE room_id = $1 AND user_id = $2`, [room.id, alice.session.user.id]);
    expect(await codeOf(alice.api.kick(room.id, bob.name))).toBe('forbidden');
    expect(await codeOf(alice.api.createInvite(room.id))).toBe('forbidden');
    const fromBob = await sendSealed(bob, room.id, 'from bob');
    expect(await codeOf(alice.api.deleteMessage(room.id, fromBob))).toBe('forbidden');
    expect((await bob.api.setTopic(room.id, 'equal')).topic).toBe('equal');
  });

  it('migration 021 puts right the direct messages an older server let a third user into', async () => {
    const { alice, bob, room } = await pair();
    const dave = await withKeys('dmdv');
    const fromBob = await sendSealed(bob, room.id, 'before the fix');
    // What the hole left: the opener stored as owner, a third member let in by a link, the link still live.
    await sql.query(`UPDATE room_members SET role = 'owner' WHERE room_id = $1 AND user_id = $2`, [room.id, alice.session.user.id]);
    await sql.query(`INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, 'member')`, [room.id, dave.session.user.id]);
    const token = 'B'.repeat(43);
    await store.createInvite({ id: randomUUID(), roomId: room.id, tokenHash: hashOpaqueToken(token), createdBy: alice.session.user.id, expiresAt: new Date(Date.now() + 3_600_000), maxUses: 5 });
    expect(await codeOf(dave.api.history(room.id))).toBe('ok'); // the planted state does leak
    await sql.exec(await readFile(join(defaultMigrationsDir(), '021_direct_messages_of_two.sql'), 'utf8'));
    expect(await codeOf(dave.api.history(room.id))).toBe('not_found');
    expect(await codeOf(dave.api.devicesOfRoom(room.id))).toBe('not_found');
    expect((await alice.api.members(room.id)).map((m) => [m.user.username, m.role]).sort()).toEqual([[alice.name, 'member'], [bob.name, 'member']].sort());
    expect((await store.listInvites(room.id)).every((i) => i.revokedAt !== null)).toBe(true);
    expect(await codeOf(alice.api.deleteMessage(room.id, fromBob))).toBe('forbidden');
    // A group room's third member and invites are left alone.
    const { room: group } = await alice.api.createRoom({ name: `grp-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    const invite = await alice.api.createInvite(group.id, { maxUses: 2 });
    await dave.api.redeemInvite(invite.token);
    await sql.exec(await readFile(join(defaultMigrationsDir(), '021_direct_messages_of_two.sql'), 'utf8'));
    expect(await codeOf(dave.api.history(group.id))).toBe('ok');
    expect((await alice.api.room(group.id)).role).toBe('owner');
    expect((await alice.api.invites(group.id)).every((i) => i.revokedAt === null)).toBe(true);
  });

  it('lets either member leave, and come back through the same room', async () => {
    const { alice, bob, room } = await pair();
    await bob.api.leave(room.id);
    expect(await codeOf(bob.api.history(room.id))).toBe('not_found');
    expect(await codeOf(bob.api.join(room.id))).toBe('not_found');
    const back = await bob.api.directMessage(alice.name);
    expect(back.room.id).toBe(room.id);
    expect(await alice.api.members(room.id)).toHaveLength(2);
  });

  // `bob leave @carol`, then `carol send @bob "after bob left"` answered "Sent"; bob, back, saw that
  // message as "[sent before you joined]" for good: his devices had been given no key for it.
  it('refuses a message to a direct message the other person left, and takes it again once they are back', async () => {
    const { alice, bob, room } = await pair();
    const before = await sendSealed(alice, room.id, 'while both are in');
    await bob.api.leave(room.id);
    const refused = await errorOf(sendSealed(alice, room.id, 'after bob left'));
    expect(refused?.code).toBe('conflict');
    expect(refused?.message).toBe(`@${bob.name} has left your direct messages; they would not see this, so it was not sent. Send it again once they have opened your direct messages again`);
    // Nothing was stored: the newest event is bob's leave.
    const events = (await alice.api.history(room.id, { after: before, limit: 10 })).events;
    expect(events.map((e) => e.kind)).toEqual(['leave']);
    // A reply (or edit, or reaction) is refused the same way.
    const clientMsgId = randomUUID();
    const chain = await newOutboundChain(Date.now(), false);
    const sealed = await encryptMessage(chain, { roomId: room.id, senderUser: alice.session.user.id, senderDevice: alice.keys.deviceId, clientMsgId }, { body: 're', sentAt: Date.now() });
    const firstId = (await alice.api.history(room.id, { after: before - 1, limit: 1 })).events[0]!.id;
    expect(await codeOf(alice.api.sendRelation(room.id, { clientMsgId, envelope: sealed.envelope, relatesTo: { type: 'reply', eventId: firstId } }))).toBe('conflict');
    await bob.api.directMessage(alice.name);
    expect(await sendSealed(alice, room.id, 'bob is back')).toBeGreaterThan(before);
  });

  it('still answers a sender who left their own direct message as not a member', async () => {
    const { alice, bob, room } = await pair();
    await alice.api.leave(room.id);
    await bob.api.leave(room.id);
    expect(await codeOf(sendSealed(alice, room.id, 'nobody is here'))).toBe('not_found');
  });

  it('stores no message after a leave that races the sends: each send lands before the leave or is refused', async () => {
    const { alice, bob, room } = await pair();
    const sends = Array.from({ length: 8 }, (_, i) => sendSealed(alice, room.id, `racing ${i}`).then((seq) => seq, (error: unknown) => (error instanceof ChatError ? error.code : 'other')));
    const left = await bob.api.leave(room.id);
    const outcomes = await Promise.all(sends);
    const leaveSeq = left.event?.seq ?? 0;
    expect(leaveSeq).toBeGreaterThan(0);
    for (const o of outcomes) {
      if (typeof o === 'number') expect(o).toBeLessThan(leaveSeq);
      else expect(o).toBe('conflict');
    }
  });
});
