import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceKeys, encryptMessage, newOutboundChain, publicBundle } from '../shared/crypto/index.js';
import { MAX_REACTIONS_PER_USER } from '../shared/protocol/index.js';
import type { RoomEvent } from '../shared/protocol/index.js';
import { codeOf, newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { migrate } from './store/migrate.js';
import { createPgliteClient } from './store/pglite-client.js';
import type { SqlClient } from './store/sql-client.js';
import { SqlStore } from './store/sql-store.js';

let t: TestServer;
let sql: SqlClient;
beforeAll(async () => {
  sql = await createPgliteClient(undefined);
  await migrate(sql);
  t = await startTestServer({ store: new SqlStore(sql) });
});
afterAll(async () => {
  await t.stop();
  await sql.close();
});


/** Every row of every table of the database, as text: what a dump of it would hold. */
async function dumpAll(): Promise<string> {
  const { rows } = await sql.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const parts: string[] = [];
  for (const { table_name } of rows) {
    const dump = await sql.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    parts.push(...dump.rows.map((r) => r.row));
  }
  return parts.join('\n');
}

async function openRoomOf(owner: Awaited<ReturnType<typeof newUser>>, ...others: Awaited<ReturnType<typeof newUser>>[]) {
  const { room } = await owner.api.createRoom({ name: `rel-${randomUUID().slice(0, 8)}` });
  for (const o of others) await o.api.join(room.id);
  return room;
}

const eventAt = async (api: Awaited<ReturnType<typeof newUser>>['api'], roomId: string, seq: number): Promise<RoomEvent> =>
  (await api.history(roomId, { after: seq - 1, limit: 1 })).events[0] as RoomEvent;

describe('relations in an open room', () => {
  it('lets only the author edit, and shows the edit as a sequenced event naming its target', async () => {
    const alice = await newUser(t.url, 'alice');
    const bob = await newUser(t.url, 'bob');
    const room = await openRoomOf(alice, bob);
    const sent = await alice.api.send(room.id, 'frist post', randomUUID());
    expect(await codeOf(bob.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: 'hijacked', relatesTo: { type: 'edit', eventId: sent.id } }))).toBe('forbidden');
    const edit = await alice.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: 'first post', relatesTo: { type: 'edit', eventId: sent.id } });
    expect(edit.seq).toBe(sent.seq + 1);
    expect(await eventAt(bob.api, room.id, edit.seq)).toMatchObject({ kind: 'message', body: 'first post', relation: { type: 'edit', eventId: sent.id, seq: sent.seq } });
    // An edit cannot itself be edited, reacted to or replied to: only messages are targets.
    expect(await codeOf(alice.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: 'x', relatesTo: { type: 'edit', eventId: edit.id } }))).toBe('invalid_request');
  });

  it('deletes by the author or the owner only, removes the content of the message and all its edits, and refuses to touch it again', async () => {
    const owner = await newUser(t.url, 'owner');
    const alice = await newUser(t.url, 'alice');
    const bob = await newUser(t.url, 'bob');
    const room = await openRoomOf(owner, alice, bob);
    const secret = `zebracorn${randomUUID().slice(0, 8)}`;
    const edited = `quokkafish${randomUUID().slice(0, 8)}`;
    const sent = await alice.api.send(room.id, `the word is ${secret}`, randomUUID());
    await alice.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: `the word is ${edited}`, relatesTo: { type: 'edit', eventId: sent.id } });
    expect((await alice.api.search({ q: edited, limit: 10, offset: 0 })).hits.map((h) => h.seq)).toEqual([sent.seq]);
    // The edit replaced the text for search: the old word no longer finds it.
    expect((await alice.api.search({ q: secret, limit: 10, offset: 0 })).hits).toEqual([]);
    expect(await dumpAll()).toContain(edited);
    // Summaries read the latest text, not the first.
    const before = JSON.stringify(await alice.api.summarize(room.id, { type: 'detailed' }));
    expect(before).toContain(edited);
    expect(before).not.toContain(secret);

    expect(await codeOf(bob.api.deleteMessage(room.id, sent.seq))).toBe('forbidden');
    const deleted = await owner.api.deleteMessage(room.id, sent.seq);
    const tombstone = await eventAt(bob.api, room.id, deleted.seq);
    expect(tombstone).toMatchObject({ body: null, envelope: null, relation: { type: 'delete', eventId: sent.id, seq: sent.seq } });
    expect(await eventAt(bob.api, room.id, sent.seq)).toMatchObject({ body: null, redacted: true });

    const dump = await dumpAll();
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(edited);
    expect((await alice.api.search({ q: edited, limit: 10, offset: 0 })).hits).toEqual([]);
    expect(JSON.stringify(await alice.api.summarize(room.id, { type: 'detailed' }))).not.toContain(edited);

    expect(await codeOf(alice.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: 'again', relatesTo: { type: 'edit', eventId: sent.id } }))).toBe('conflict');
    expect(await codeOf(alice.api.deleteMessage(room.id, sent.seq))).toBe('conflict');
    expect(await codeOf(alice.api.deleteMessage(room.id, 9999))).toBe('not_found');
    expect(await codeOf(alice.api.deleteMessage(room.id, 1))).toBe('invalid_request'); // the owner's join
  });

  // Deleting an edit alone once left its message showing no text and found by no search.
  it('refuses to delete an edit alone, and the message keeps its latest text', async () => {
    const alice = await newUser(t.url, 'alice');
    const room = await openRoomOf(alice);
    const sent = await alice.api.send(room.id, 'kiwiorig text', randomUUID());
    const edit = await alice.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: 'mangoedit text', relatesTo: { type: 'edit', eventId: sent.id } });
    expect(await codeOf(alice.api.deleteMessage(room.id, edit.seq))).toBe('invalid_request');
    expect((await alice.api.search({ q: 'mangoedit', limit: 10, offset: 0 })).hits.map((h) => h.seq)).toEqual([sent.seq]);
    expect(await eventAt(alice.api, room.id, edit.seq)).toMatchObject({ body: 'mangoedit text' });
  });

  // An open room's hit on an edited message showed the edit's time, a private room's the send time.
  it('gives a search hit on an edited message its send time, with the edit time as editedAt', async () => {
    const alice = await newUser(t.url, 'alice');
    const room = await openRoomOf(alice);
    const word = `pomelo${randomUUID().slice(0, 8)}`;
    const sent = await alice.api.send(room.id, 'first text', randomUUID());
    const plain = await alice.api.send(room.id, `never edited ${word}`, randomUUID());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const edit = await alice.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: `edited to ${word}`, relatesTo: { type: 'edit', eventId: sent.id } });
    const [sentAt, plainAt, editAt] = await Promise.all([sent.seq, plain.seq, edit.seq].map(async (seq) => (await eventAt(alice.api, room.id, seq)).createdAt));
    const hits = (await alice.api.search({ q: word, limit: 10, offset: 0 })).hits;
    const edited = hits.find((h) => h.seq === sent.seq);
    expect(edited).toMatchObject({ eventId: sent.id, createdAt: sentAt, editedAt: editAt });
    expect(editAt).not.toBe(sentAt);
    const unedited = hits.find((h) => h.seq === plain.seq);
    expect(unedited?.createdAt).toBe(plainAt);
    expect(unedited).not.toHaveProperty('editedAt');
  });

  it('names the target by its seq, never its event id, when it refuses an edit, reaction or reply', async () => {
    const alice = await newUser(t.url, 'alice');
    const bob = await newUser(t.url, 'bob');
    const room = await openRoomOf(alice, bob);
    const sent = await alice.api.send(room.id, 'mine to edit', randomUUID());
    const like = await bob.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: '👍', relatesTo: { type: 'reaction', eventId: sent.id } });
    const refused = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (error) {
        return error as { code: string; message: string };
      }
      throw new Error('accepted');
    };
    const notAuthor = await refused(bob.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: 'hijacked', relatesTo: { type: 'edit', eventId: sent.id } }));
    expect(notAuthor.code).toBe('forbidden');
    expect(notAuthor.message).toContain(`message ${sent.seq}`);
    expect(notAuthor.message).not.toContain(sent.id);
    const notMessage = await refused(bob.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: 'reply to a reaction', relatesTo: { type: 'reply', eventId: like.id } }));
    expect(notMessage.code).toBe('invalid_request');
    expect(notMessage.message).toContain(`event ${like.seq}`);
    expect(notMessage.message).not.toContain(like.id);
    const again = await refused(bob.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: '👍', relatesTo: { type: 'reaction', eventId: sent.id } }));
    expect(again.code).toBe('conflict');
    expect(again.message).not.toContain(sent.id);
  });

  it('takes one emoji per reaction, once per user and emoji, within the per-user limit, and only on a message that exists', async () => {
    const alice = await newUser(t.url, 'alice');
    const bob = await newUser(t.url, 'bob');
    const room = await openRoomOf(alice, bob);
    const sent = await alice.api.send(room.id, 'react to me', randomUUID());
    const react = (body: string, eventId = sent.id) => bob.api.sendRelation(room.id, { clientMsgId: randomUUID(), body, relatesTo: { type: 'reaction', eventId } });
    expect(await codeOf(react('nice one'))).toBe('invalid_request');
    expect(await codeOf(react('👍👍'))).toBe('invalid_request');
    expect(await codeOf(react('a'))).toBe('invalid_request');
    expect(await codeOf(react('👍', randomUUID()))).toBe('not_found');
    const thumbs = await react('👍');
    expect(await codeOf(react('👍'))).toBe('conflict');
    expect(await codeOf(react('❤'))).toBe('ok');
    expect(await codeOf(react('👨‍👩‍👧'))).toBe('ok');
    // Toggling off is deleting one's reaction; then it may be given again.
    await bob.api.deleteMessage(room.id, thumbs.seq);
    expect(await codeOf(react('👍'))).toBe('ok');
    const emoji = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎', '😍', '😘', '🥰', '😗', '😙', '🥲', '🙂', '🤗', '🤩'];
    const results: string[] = [];
    for (const e of emoji) results.push(await codeOf(react(e)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(MAX_REACTIONS_PER_USER - 3);
    expect(results.at(-1)).toBe('conflict');
  });

  it('refuses a reply to a message of another room, and accepts one in the same room', async () => {
    const alice = await newUser(t.url, 'alice');
    const first = await openRoomOf(alice);
    const second = await openRoomOf(alice);
    const there = await alice.api.send(second.id, 'elsewhere', randomUUID());
    expect(await codeOf(alice.api.sendRelation(first.id, { clientMsgId: randomUUID(), body: 'answer', relatesTo: { type: 'reply', eventId: there.id } }))).toBe('invalid_request');
    const here = await alice.api.send(first.id, 'question', randomUUID());
    const reply = await alice.api.sendRelation(first.id, { clientMsgId: randomUUID(), body: 'answer', relatesTo: { type: 'reply', eventId: here.id } });
    expect(await eventAt(alice.api, first.id, reply.seq)).toMatchObject({ body: 'answer', relation: { type: 'reply', seq: here.seq } });
  });
});

describe('relations in a private room', () => {
  it('takes encrypted edits with the relation in clear, refuses text, and removes the ciphertext of a deleted message and its edits', async () => {
    const alice = await newUser(t.url, 'alice');
    const bob = await newUser(t.url, 'bob');
    const keys = await generateDeviceKeys({ userId: alice.session.user.id, deviceId: alice.session.device.id, extractable: false, now: Date.now() });
    await alice.api.publishBundle(await publicBundle(keys));
    const { room } = await alice.api.createRoom({ name: `prel-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    const invite = await alice.api.createInvite(room.id);
    await bob.api.redeemInvite(invite.token);
    let chain = await newOutboundChain(Date.now(), false);
    const seal = async (body: string) => {
      const clientMsgId = randomUUID();
      const sealed = await encryptMessage(chain, { roomId: room.id, senderUser: alice.session.user.id, senderDevice: keys.deviceId, clientMsgId }, { body, sentAt: Date.now() });
      chain = sealed.chain;
      return sealed.envelope;
    };
    const original = await seal('original');
    const sent = await alice.api.sendEnvelope(room.id, original);
    expect(await codeOf(alice.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: '👍', relatesTo: { type: 'reaction', eventId: sent.id } }))).toBe('invalid_request');
    const editEnvelope = await seal('edited');
    const edit = await alice.api.sendRelation(room.id, { clientMsgId: editEnvelope.clientMsgId, envelope: editEnvelope, relatesTo: { type: 'edit', eventId: sent.id } });
    expect(await eventAt(bob.api, room.id, edit.seq)).toMatchObject({ body: null, envelope: { ct: editEnvelope.ct }, relation: { type: 'edit', eventId: sent.id } });
    expect(await codeOf(bob.api.deleteMessage(room.id, sent.seq))).toBe('forbidden');
    await alice.api.deleteMessage(room.id, sent.seq);
    const dump = await dumpAll();
    expect(dump).not.toContain(original.ct);
    expect(dump).not.toContain(editEnvelope.ct);
  });
});

describe('read markers', () => {
  it('keeps the highest seq read per user and room, and tells the user’s other sockets live', async () => {
    const alice = await newUser(t.url, 'alice');
    const room = await openRoomOf(alice);
    for (let i = 0; i < 3; i++) await alice.api.send(room.id, `m${i}`, randomUUID());
    // A second device of the same user, with its own socket.
    const other = await newUser(t.url, 'x');
    await other.api.login({ username: alice.session.user.username, password: 'correct horse battery' });
    const seen = new Promise<{ roomId: string; seq: number }>((resolve) => other.live.on('read', resolve));
    const ready = new Promise<void>((resolve) => other.live.on('state', (s) => s.status === 'connected' && resolve()));
    other.live.start();
    await ready;
    expect(await alice.api.setReadMarker(room.id, 3)).toEqual({ roomId: room.id, seq: 3 });
    expect(await seen).toEqual({ roomId: room.id, seq: 3 });
    // Never backwards, and never past the head.
    expect((await alice.api.setReadMarker(room.id, 2)).seq).toBe(3);
    expect((await alice.api.setReadMarker(room.id, 999)).seq).toBe(4);
    expect((await other.api.rooms()).find((r) => r.id === room.id)?.readSeq).toBe(4);
    expect(await other.api.readMarkers()).toEqual([{ roomId: room.id, seq: 4 }]);
    other.live.stop();
  });

  // A newcomer's marker was 0: every earlier message counted unread and the web drew "New messages" above them all.
  it("starts a newcomer's marker at their join: history from before is not unread, what comes after is", async () => {
    const alice = await newUser(t.url, 'alice');
    const bob = await newUser(t.url, 'bob');
    const room = await openRoomOf(alice);
    for (let i = 0; i < 3; i++) await alice.api.send(room.id, `before ${i}`, randomUUID());
    const joined = await bob.api.join(room.id);
    expect(joined.event?.seq).toBe(5);
    expect((await bob.api.rooms()).find((r) => r.id === room.id)?.readSeq).toBe(5);
    expect(await bob.api.readMarkers()).toEqual([{ roomId: room.id, seq: 5 }]);
    // The creator's own join is read too; a marker still only moves forward.
    expect((await alice.api.rooms()).find((r) => r.id === room.id)?.readSeq).toBe(1);
    await alice.api.send(room.id, 'after', randomUUID());
    expect((await bob.api.rooms()).find((r) => r.id === room.id)?.readSeq).toBe(5);
    expect((await bob.api.setReadMarker(room.id, 6)).seq).toBe(6);
  });
});
