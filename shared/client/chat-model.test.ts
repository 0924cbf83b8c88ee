import { describe, expect, it } from 'vitest';
import type { Room, RoomEvent } from '../protocol/index.js';
import { BOB, DEVICE, fakeE2E, FakeServer, FakeSocket, ME, room } from '../../test/support/fake-chat-server.js';
import type { ApiClient } from './api-client.js';
import { ChatModel, removalText } from './chat-model.js';
import type { ChatModelOptions, RoomRemoval } from './chat-model.js';
import { applyRelations } from './relations.js';
import type { Clock } from './live-client.js';
import { LiveClient } from './live-client.js';
import { MemoryOutboxStore } from './memory-outbox-store.js';

const OPEN = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const SECRET = '4f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8e';
const LATER = '5f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8f';

function setup(server = new FakeServer(), outbox = new MemoryOutboxStore(), readPositions: Record<string, number> = {}, unreachable = 0, keysOnSync = false, extraApi: Partial<ApiClient> = {}, extraOptions: Partial<ChatModelOptions> = {}) {
  const timers: { at: number; fn: () => void }[] = [];
  let now = 1_000;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return t;
    },
    clearTimeout: (h) => {
      const i = timers.indexOf(h as { at: number; fn: () => void });
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const api = { ...server.api(), ...extraApi } as ApiClient;
  const live = new LiveClient({
    api,
    clock,
    random: () => 0.5,
    createSocket: () => {
      const s = new FakeSocket(server);
      if (server.down) {
        setTimeout(() => s.close(1006, 'refused'), 0);
      } else {
        server.sockets.push(s);
        setTimeout(() => s.serve({ type: 'ready', user: ME, deviceId: DEVICE, connectionId: 'c' }), 0);
      }
      return s;
    },
  });
  const { e2e, encrypted } = fakeE2E(unreachable, keysOnSync);
  const saved: Record<string, number> = {};
  const model = new ChatModel({
    api,
    live,
    e2e,
    user: ME,
    outbox,
    readPositions,
    saveReadPosition: (roomId, seq) => (saved[roomId] = seq),
    clock,
    random: () => 0.5,
    pageSize: 3,
    yieldToUi: () => Promise.resolve(),
    ...extraOptions,
  });
  /** Lets every queued promise and zero-delay timer run. */
  const settle = async () => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
  };
  const advance = async (ms: number) => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    for (const t of due) timers.splice(timers.indexOf(t), 1);
    for (const t of due) t.fn();
    await settle();
  };
  const seqs = (roomId: string) => model.getSnapshot().timelines.get(roomId)?.events.map((e) => e.seq);
  return { server, model, live, outbox, encrypted, saved, settle, advance, seqs };
}

/** Takes the live socket down: the socket drops and the server refuses everything until `serverUp`. */
function serverDown(server: FakeServer) {
  server.down = true;
  for (const s of server.sockets.splice(0)) s.close(1006, 'server stopped');
}

describe('ChatModel', () => {
  it('loads the rooms and their latest history, then adds live events once each, in order, filling gaps', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    for (let i = 0; i < 5; i++) server.append(OPEN, { body: `m${i + 1}` });
    const t = setup(server);
    await t.model.start();
    await t.settle();
    expect(t.seqs(OPEN)).toEqual([3, 4, 5]);
    expect(t.model.getSnapshot().timelines.get(OPEN)?.hasOlder).toBe(true);
    expect(server.sockets[0]?.sent[0]).toEqual({ type: 'subscribe', rooms: [{ roomId: OPEN, sinceSeq: 5 }] });
    server.push(OPEN, { body: 'm6' });
    // seq 7 is stored, but its event frame is lost: seq 8 makes the client fetch it.
    server.append(OPEN, { body: 'm7' });
    server.push(OPEN, { body: 'm8' });
    server.sockets[0]?.serve({ type: 'event', event: server.events.get(OPEN)?.[5] });
    await t.settle();
    expect(t.seqs(OPEN)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(await t.model.loadOlder(OPEN)).toBe(true);
    expect(t.seqs(OPEN)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(t.model.getSnapshot().timelines.get(OPEN)?.hasOlder).toBe(false);
    t.model.stop();
  });

  it('reads one page of a room, before a seq, with its private messages opened, without connecting or touching the timeline', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    const { e2e } = fakeE2E();
    for (const text of ['one', 'two', 'three', 'four']) server.append(SECRET, { envelope: await e2e.encrypt(SECRET, text, crypto.randomUUID()) });
    server.append(SECRET, { kind: 'join' });
    const { model, seqs } = setup(server);
    const { page, opened } = await model.readPage(SECRET, { before: 5, limit: 2 });
    expect(page.events.map((e) => e.seq)).toEqual([3, 4]);
    expect(page.hasMore).toBe(true);
    expect(page.events.map((e) => opened.get(e.id))).toEqual([expect.objectContaining({ status: 'ok', body: 'three' }), expect.objectContaining({ status: 'ok', body: 'four' })]);
    const latest = await model.readPage(SECRET);
    // The page size (3) counts messages: the join after them comes along.
    expect(latest.page.events.map((e) => e.seq)).toEqual([2, 3, 4, 5]);
    expect(latest.opened.size).toBe(3);
    expect(server.sockets).toEqual([]);
    expect(seqs(SECRET)).toBeUndefined();
  });

  it('publishes a page of opened private messages together, not one snapshot (one render) per message', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    const { e2e } = fakeE2E();
    for (let i = 1; i <= 40; i++) server.append(SECRET, { envelope: await e2e.encrypt(SECRET, `message ${i}`, crypto.randomUUID()) });
    const t = setup(server);
    const published = new Set<unknown>();
    t.model.subscribe(() => published.add(t.model.getSnapshot().opened));
    await t.model.start();
    await t.settle();
    await t.model.loadUntil(SECRET, 1);
    await t.settle();
    const { opened, timelines } = t.model.getSnapshot();
    expect(timelines.get(SECRET)?.events).toHaveLength(40);
    expect([...opened.values()].filter((o) => o.status === 'ok')).toHaveLength(40);
    // One publish per history request that brought private messages (a few pages), where there was one per message.
    expect(published.size).toBeLessThan(10);
    t.model.stop();
  });

  it('reads the newest `limit` messages however many relation events follow them, back to the room\'s start', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    for (const text of ['one', 'two', 'three', 'four']) server.append(OPEN, { body: text });
    const target = server.events.get(OPEN)?.[3];
    if (!target) throw new Error('no message');
    // Seven reactions, an edit and a delete after the last message: more events than any page of 3.
    for (let i = 0; i < 7; i++) server.append(OPEN, { body: '👍', relation: { type: 'reaction', eventId: target.id, seq: target.seq } });
    server.append(OPEN, { body: 'four!', relation: { type: 'edit', eventId: target.id, seq: target.seq } });
    server.append(OPEN, { kind: 'join' });
    const { model } = setup(server);
    const { page } = await model.readPage(OPEN, { limit: 2 });
    expect(page.events.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(page.hasMore).toBe(true);
    expect(page.headSeq).toBe(13);
    const all = await model.readPage(OPEN, { limit: 10 });
    expect(all.page.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(all.page.hasMore).toBe(false);
    const before = await model.readPage(OPEN, { before: 12, limit: 1 });
    expect(before.page.events.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  // `chat read general --before N` showed the old text of an edited message (no "(edited)"), no
  // reactions, and the old text in the quote of a reply: the edits and reactions came after the page.
  it('answers with a page read back the relations after it, so it shows its messages as the newest page does', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    const rel = (type: string, target: RoomEvent) => ({ type, eventId: target.id, seq: target.seq });
    const first = server.append(OPEN, { body: 'one' });
    const second = server.append(OPEN, { body: 'two' });
    const reply = server.append(OPEN, { body: 're: one', relation: rel('reply', first) });
    const third = server.append(OPEN, { body: 'three' });
    server.append(OPEN, { body: 'four' });
    server.append(OPEN, { body: 'two!', relation: rel('edit', second) });
    server.append(OPEN, { body: 'one!', relation: rel('edit', first) });
    server.append(OPEN, { body: '👍', relation: rel('reaction', third) });
    const takenBack = server.append(OPEN, { body: '🎉', relation: rel('reaction', second) });
    server.append(OPEN, { body: null, relation: rel('delete', takenBack) });
    server.append(OPEN, { body: '🎉', sender: ME, relation: rel('reaction', reply) });
    const { model } = setup(server);
    const content = (e: RoomEvent) => e.body;
    const all = await model.readPage(OPEN, { limit: 10 });
    const newest = applyRelations(all.page.events, ME.id, content, [], all.quoted).byId;
    const back = await model.readPage(OPEN, { before: 5, limit: 3 });
    expect(back.page.events.map((e) => e.seq)).toEqual([2, 3, 4]);
    const views = applyRelations([...back.page.events, ...back.later], ME.id, content, [], back.quoted).byId;
    expect([...views.keys()]).toEqual([second.id, reply.id, third.id]);
    for (const [id, view] of views) expect(view).toEqual(newest.get(id));
    expect(views.get(second.id)).toMatchObject({ text: 'two!', edited: true, reactions: [] });
    expect(views.get(third.id)?.reactions.map((r) => r.key)).toEqual(['👍']);
    expect(views.get(reply.id)?.replyTo).toMatchObject({ text: 'one!' });
    // The newest page needs nothing after it.
    expect(all.later).toEqual([]);
  });

  it('answers the same snapshot until something changes', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    const t = setup(server);
    await t.model.start();
    await t.settle();
    const first = t.model.getSnapshot();
    expect(t.model.getSnapshot()).toBe(first);
    let told = 0;
    const off = t.model.subscribe(() => (told += 1));
    server.push(OPEN, { body: 'hello' });
    await t.settle();
    expect(told).toBeGreaterThan(0);
    expect(t.model.getSnapshot()).not.toBe(first);
    expect(first.timelines.get(OPEN)?.events).toEqual([]);
    off();
    t.model.stop();
  });

  it('counts unread messages from others and mentions of this user, and keeps the read position', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    server.append(OPEN, { body: 'old' });
    const t = setup(server, new MemoryOutboxStore(), { [OPEN]: 1 });
    await t.model.start();
    await t.settle();
    server.push(OPEN, { body: 'hi @alice' });
    server.push(OPEN, { body: 'and more' });
    server.push(OPEN, { body: '@Alice again' });
    await t.settle();
    expect(t.model.getSnapshot().unread.get(OPEN)).toEqual({ count: 3, mention: true, mentions: 2 });
    t.model.markRead(OPEN);
    expect(t.model.getSnapshot().unread.get(OPEN)).toEqual({ count: 0, mention: false, mentions: 0 });
    expect(t.saved).toEqual({ [OPEN]: 4 });
    t.model.stop();
  });

  it('clears unread and the mention when the read marker moves on another device (the read frame), and starts from the server marker', async () => {
    const server = new FakeServer();
    server.addRoom({ ...room(OPEN, 'open'), readSeq: 1 });
    server.append(OPEN, { body: 'old @alice' });
    const t = setup(server);
    await t.model.start();
    await t.settle();
    expect(t.model.getSnapshot().unread.get(OPEN)).toEqual({ count: 0, mention: false, mentions: 0 });
    server.push(OPEN, { body: 'hi @alice' });
    await t.settle();
    expect(t.model.getSnapshot().unread.get(OPEN)).toEqual({ count: 1, mention: true, mentions: 1 });
    for (const s of server.sockets) s.serve({ type: 'read', roomId: OPEN, seq: 2 });
    await t.settle();
    expect(t.model.getSnapshot().unread.get(OPEN)).toEqual({ count: 0, mention: false, mentions: 0 });
    t.model.stop();
  });

  it('tells a mention in a private room from its opened text, and not one inside a code span', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    server.addRoom(room(OPEN, 'open'));
    const t = setup(server);
    const notices: string[] = [];
    t.model.onNotice((n) => notices.push(`${n.roomId === SECRET ? 'secret' : 'open'}:${n.event.seq}`));
    await t.model.start();
    await t.settle();
    const sealed = (text: string) => ({ v: 1 as const, suite: 'p256-hmac-aes256gcm-1' as const, roomId: SECRET, senderUser: BOB.id, senderDevice: DEVICE, keyId: 'a'.repeat(16), counter: 0, clientMsgId: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c', iv: 'b'.repeat(16), ct: Buffer.from(text).toString('base64url'), sig: 'A'.repeat(86) });
    server.push(SECRET, { envelope: sealed('look @alice') });
    server.push(OPEN, { body: 'run `@alice` in a shell' });
    server.push(OPEN, { body: 'thanks @alice' });
    await t.settle();
    expect(notices).toEqual(['secret:1', 'open:2']);
    expect(t.model.getSnapshot().unread.get(OPEN)).toEqual({ count: 2, mention: true, mentions: 1 });
    t.model.stop();
  });

  it.each([
    ['an open room', OPEN, 'open'],
    ['a private room', SECRET, 'private'],
  ] as const)('shows a message typed in %s while offline as pending, and sends it once the connection is back', async (_label, roomId, visibility) => {
    const server = new FakeServer();
    server.addRoom(room(roomId, visibility));
    const t = setup(server);
    await t.model.start();
    await t.settle();
    serverDown(server);
    await t.settle();
    expect(t.model.getSnapshot().connection.status).toBe('reconnecting');
    const r = t.model.getSnapshot().rooms[0] as Room;
    const item = await t.model.send(r, 'sent while the server was down');
    const sent = t.model.whenSent(item.clientMsgId);
    await t.advance(60_000);
    expect(t.model.getSnapshot().pending).toMatchObject([{ clientMsgId: item.clientMsgId, status: 'queued', text: 'sent while the server was down' }]);
    // A private message is not encrypted while it waits: the room's devices are those of the moment it goes.
    expect(t.encrypted).toEqual([]);
    server.down = false;
    await t.advance(60_000);
    await expect(sent).resolves.toMatchObject({ clientMsgId: item.clientMsgId, seq: 1 });
    const frame = server.sockets[0]?.sent.find((f) => f.type === 'send');
    if (visibility === 'private') {
      expect(frame).toMatchObject({ clientMsgId: item.clientMsgId, envelope: { clientMsgId: item.clientMsgId } });
      expect(frame.body).toBeUndefined();
      expect(t.encrypted).toEqual(['sent while the server was down']);
      expect(t.model.getSnapshot().opened.get(server.events.get(roomId)?.[0]?.id ?? '')).toMatchObject({ status: 'ok', body: 'sent while the server was down' });
    } else {
      expect(frame).toMatchObject({ clientMsgId: item.clientMsgId, body: 'sent while the server was down' });
    }
    expect(t.model.getSnapshot().pending).toEqual([]);
    expect(t.seqs(roomId)).toEqual([1]);
    expect(await t.outbox.list()).toEqual([]);
    t.model.stop();
  });

  it('re-sends the same envelope after a disconnect before the ack, and the server stores it once', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    const t = setup(server);
    await t.model.start();
    await t.settle();
    server.answer = false;
    const item = await t.model.send(t.model.getSnapshot().rooms[0] as Room, 'once only');
    await t.settle();
    const first = server.sockets[0]?.sent.find((f) => f.type === 'send');
    expect(t.model.getSnapshot().pending).toMatchObject([{ status: 'sending' }]);
    serverDown(server);
    server.answer = true;
    server.down = false;
    await t.advance(60_000);
    const again = server.sockets[0]?.sent.find((f) => f.type === 'send');
    expect(again.envelope).toEqual(first.envelope);
    expect(t.encrypted).toHaveLength(1);
    expect(server.storedCount(item.clientMsgId)).toBe(1);
    expect(t.model.getSnapshot().pending).toEqual([]);
    t.model.stop();
  });

  it('sends messages in the order typed, private and open alike', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    server.addRoom(room(OPEN, 'open'));
    const t = setup(server);
    await t.model.start();
    await t.settle();
    serverDown(server);
    await t.settle();
    const [secret, open] = t.model.getSnapshot().rooms as [Room, Room];
    await t.model.send(secret, 'one');
    await t.model.send(open, 'two');
    await t.model.send(secret, 'three');
    expect(t.model.getSnapshot().pending.map((p) => p.text)).toEqual(['one', 'two', 'three']);
    server.down = false;
    await t.advance(60_000);
    const texts = server.sockets[0]?.sent.filter((f) => f.type === 'send').map((f) => f.body ?? Buffer.from(f.envelope.ct, 'base64url').toString());
    expect(texts).toEqual(['one', 'two', 'three']);
    t.model.stop();
  });

  it('keeps unsent messages in its store across a restart and sends them at the next start', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    const outbox = new MemoryOutboxStore();
    const first = setup(server, outbox);
    await first.model.start();
    await first.settle();
    serverDown(server);
    await first.settle();
    const item = await first.model.send(first.model.getSnapshot().rooms[0] as Room, 'typed before quitting');
    expect(first.model.hasUnsent()).toBe(true);
    first.model.stop();
    expect(await outbox.list()).toMatchObject([{ clientMsgId: item.clientMsgId, text: 'typed before quitting', private: true }]);

    server.down = false;
    const second = setup(server, outbox);
    await second.model.start();
    await second.settle();
    expect(server.storedCount(item.clientMsgId)).toBe(1);
    expect(second.model.getSnapshot().pending).toEqual([]);
    expect(second.model.hasUnsent()).toBe(false);
    expect(await outbox.list()).toEqual([]);
    second.model.stop();
  });

  it('after a restart, re-sends the envelope made before quitting rather than encrypting again', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    const outbox = new MemoryOutboxStore();
    const first = setup(server, outbox);
    await first.model.start();
    await first.settle();
    server.answer = false;
    const item = await first.model.send(first.model.getSnapshot().rooms[0] as Room, 'on the wire when quitting');
    await first.settle();
    const sent = server.sockets[0]?.sent.find((f) => f.type === 'send');
    first.model.stop();
    expect(await outbox.list()).toMatchObject([{ clientMsgId: item.clientMsgId, envelope: sent.envelope }]);

    server.answer = true;
    server.sockets = [];
    const second = setup(server, outbox);
    await second.model.start();
    await second.settle();
    expect(second.encrypted).toEqual([]);
    expect(server.sockets[0]?.sent.find((f) => f.type === 'send')?.envelope).toEqual(sent.envelope);
    expect(server.storedCount(item.clientMsgId)).toBe(1);
    expect(await outbox.list()).toEqual([]);
    second.model.stop();
  });

  it('marks a message the server refuses as failed, and sends it again on retry', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    const t = setup(server);
    await t.model.start();
    await t.settle();
    server.refuseNext = 'message_too_large';
    const item = await t.model.send(t.model.getSnapshot().rooms[0] as Room, 'too long, say');
    await expect(t.model.whenSent(item.clientMsgId)).rejects.toMatchObject({ code: 'message_too_large' });
    expect(t.model.getSnapshot().pending).toMatchObject([{ status: 'failed', error: { code: 'message_too_large' } }]);
    expect(await t.outbox.list()).toMatchObject([{ failed: { code: 'message_too_large' } }]);
    await t.model.retry(item.clientMsgId);
    await t.settle();
    expect(t.model.getSnapshot().pending).toEqual([]);
    expect(server.storedCount(item.clientMsgId)).toBe(1);
    t.model.stop();
  });

  it('refuses a blank message and queues nothing', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    const t = setup(server);
    await t.model.start();
    await expect(t.model.send(t.model.getSnapshot().rooms[0] as Room, '  \n')).rejects.toMatchObject({ code: 'invalid_request' });
    expect(t.model.getSnapshot().pending).toEqual([]);
    expect(await t.outbox.list()).toEqual([]);
    t.model.stop();
  });

  it('follows the room list when the server says it changed (a room joined or left on another device)', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    const t = setup(server);
    await t.model.start();
    await t.settle();
    server.addRoom(room(LATER, 'open'), []);
    server.append(LATER, { body: 'before I joined' });
    server.sockets[0]?.serve({ type: 'rooms' });
    await t.settle();
    expect(t.model.getSnapshot().rooms.map((r) => r.id)).toEqual([OPEN, LATER]);
    expect(t.seqs(LATER)).toEqual([1]);
    expect(server.sockets[0]?.sent).toContainEqual({ type: 'subscribe', rooms: [{ roomId: LATER, sinceSeq: 1 }] });
    server.push(LATER, { body: 'live in the new room' });
    await t.settle();
    expect(t.seqs(LATER)).toEqual([1, 2]);

    server.rooms = server.rooms.filter((r) => r.id !== OPEN);
    server.sockets[0]?.serve({ type: 'rooms' });
    await t.settle();
    expect(t.model.getSnapshot().rooms.map((r) => r.id)).toEqual([LATER]);
    expect(t.model.getSnapshot().timelines.has(OPEN)).toBe(false);
    expect(server.sockets[0]?.sent).toContainEqual({ type: 'unsubscribe', roomIds: [OPEN] });
    t.model.stop();
  });

  it('drops a room the server says this user was removed from', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    server.addRoom(room(SECRET, 'private'));
    const t = setup(server);
    await t.model.start();
    await t.settle();
    server.sockets[0]?.serve({ type: 'unsubscribed', roomId: SECRET, reason: 'removed' });
    await t.settle();
    expect(t.model.getSnapshot().rooms.map((r) => r.id)).toEqual([OPEN]);
    t.model.stop();
  });

  it('tells who removed this user from a room, once, and not when the user left on another device', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open', 'lobby'));
    server.addRoom(room(SECRET, 'private', 'vault'));
    const t = setup(server);
    const removals: unknown[] = [];
    t.model.onRemoved((r) => removals.push(r));
    await t.model.start();
    await t.settle();
    server.push(SECRET, { kind: 'remove', sender: BOB, target: ME });
    server.sockets[0]?.serve({ type: 'unsubscribed', roomId: SECRET, reason: 'removed' });
    await t.settle();
    expect(removals).toEqual([{ roomId: SECRET, roomName: 'vault', visibility: 'private', by: BOB.username }]);
    expect(removalText(removals[0] as RoomRemoval)).toBe(`you were removed from #vault by ${BOB.username}`);
    // Named as the surface names the room elsewhere (the TUI's ⚿, the web's 🔒).
    expect(removalText(removals[0] as RoomRemoval, '⚿ vault')).toBe(`you were removed from ⚿ vault by ${BOB.username}`);
    // From a direct message (an older server let its opener remove the other): never its `dm-…` name.
    expect(removalText({ roomName: 'dm-0123456789abcdef', visibility: 'private', by: 'bob' })).toBe('you were removed from a direct message by bob');
    server.push(OPEN, { kind: 'leave', sender: ME });
    server.sockets[0]?.serve({ type: 'unsubscribed', roomId: OPEN, reason: 'removed' });
    await t.settle();
    expect(removals).toHaveLength(1);
    t.model.stop();
  });

  it('retries a private message whose encryption could not reach the server', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    const t = setup(server, new MemoryOutboxStore(), {}, 1);
    await t.model.start();
    await t.settle();
    const item = await t.model.send(t.model.getSnapshot().rooms[0] as Room, 'after a blip');
    await t.settle();
    expect(t.model.getSnapshot().pending).toMatchObject([{ status: 'queued' }]);
    await t.advance(60_000);
    expect(server.storedCount(item.clientMsgId)).toBe(1);
    expect(t.model.getSnapshot().pending).toEqual([]);
    t.model.stop();
  });

  it('opens a private message that waited for its key once the socket is back (keys shared meanwhile come with no frame)', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    const t = setup(server, new MemoryOutboxStore(), {}, 0, true);
    await t.model.start();
    await t.settle();
    const e = server.push(SECRET, { envelope: { v: 1, suite: 'p256-hmac-aes256gcm-1', roomId: SECRET, senderUser: BOB.id, senderDevice: DEVICE, keyId: 'a'.repeat(16), counter: 0, clientMsgId: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c', iv: 'b'.repeat(16), ct: Buffer.from('late key').toString('base64url'), sig: 'A'.repeat(86) } });
    await t.settle();
    expect(t.model.getSnapshot().opened.get(e.id)).toEqual({ status: 'waiting' });
    serverDown(server);
    server.down = false;
    await t.advance(60_000);
    await t.settle();
    expect(t.model.getSnapshot().opened.get(e.id)).toMatchObject({ status: 'ok', body: 'late key' });
    t.model.stop();
  });

  it('refuses, without sending it, a message whose frame the server would not take (it would close the socket at every re-send)', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    const t = setup(server);
    await t.model.start();
    await t.settle();
    // 11,000 control characters: under the length limit, but six bytes each once escaped as JSON.
    const item = await t.model.send(t.model.getSnapshot().rooms[0] as Room, `x${'\u0001'.repeat(11_000)}`);
    await expect(t.model.whenSent(item.clientMsgId)).rejects.toMatchObject({ code: 'message_too_large' });
    expect(server.sockets[0]?.sent.filter((f) => f.type === 'send')).toEqual([]);
    expect(t.model.getSnapshot().pending).toMatchObject([{ status: 'failed', error: { code: 'message_too_large' } }]);
    t.model.stop();
  });

  it('refuses, with a reason a person can act on, a private message within the length limit that is too long once encrypted', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private', 'secret'));
    const t = setup(server);
    await t.model.start();
    await t.settle();
    // 15,000 CJK characters: under 16,000 characters, but 45,000 bytes, over the envelope's ciphertext limit.
    const item = await t.model.send(t.model.getSnapshot().rooms[0] as Room, '中'.repeat(15_000));
    await expect(t.model.whenSent(item.clientMsgId)).rejects.toMatchObject({ code: 'message_too_large', message: expect.stringMatching(/too long once encrypted/) });
    expect(server.sockets[0]?.sent.filter((f) => f.type === 'send')).toEqual([]);
    expect(t.model.getSnapshot().pending).toMatchObject([{ status: 'failed', text: '中'.repeat(15_000) }]);
    t.model.stop();
  });

  it('with firstPageCountsMessages, starts each room at its newest page-size messages, however many relation events follow them', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    for (const text of ['one', 'two', 'three', 'four']) server.append(OPEN, { body: text });
    const target = server.events.get(OPEN)?.[3] as RoomEvent;
    for (let i = 0; i < 7; i++) server.append(OPEN, { body: '👍', relation: { type: 'reaction', eventId: target.id, seq: target.seq } });
    server.append(OPEN, { body: 'four!', relation: { type: 'edit', eventId: target.id, seq: target.seq } });
    const events = new FakeServer();
    events.addRoom(room(OPEN, 'open'), server.events.get(OPEN));
    const byEvents = setup(events);
    await byEvents.model.start();
    await byEvents.settle();
    // By events (the default), the page of 3 holds only relations.
    expect(byEvents.seqs(OPEN)).toEqual([10, 11, 12]);
    byEvents.model.stop();
    const t = setup(server, new MemoryOutboxStore(), {}, 0, false, {}, { firstPageCountsMessages: true });
    await t.model.start();
    await t.settle();
    expect(t.seqs(OPEN)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(t.model.getSnapshot().timelines.get(OPEN)?.hasOlder).toBe(true);
    t.model.stop();
  });

  it('fetches the message a reply answers from outside the loaded page, so the quote shows its text (opened in a private room), or that it was deleted', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    const { e2e } = fakeE2E();
    const old = server.append(SECRET, { envelope: await e2e.encrypt(SECRET, 'the old question', crypto.randomUUID()) });
    const gone = server.append(SECRET, { envelope: null, redacted: true });
    for (let i = 0; i < 5; i++) server.append(SECRET, { envelope: await e2e.encrypt(SECRET, `filler ${i}`, crypto.randomUUID()) });
    server.append(SECRET, { envelope: await e2e.encrypt(SECRET, 'the answer', crypto.randomUUID()), relation: { type: 'reply', eventId: old.id, seq: old.seq } });
    server.append(SECRET, { envelope: await e2e.encrypt(SECRET, 'to a deleted one', crypto.randomUUID()), relation: { type: 'reply', eventId: gone.id, seq: gone.seq } });
    const t = setup(server);
    await t.model.start();
    await t.settle();
    expect(t.seqs(SECRET)).toEqual([7, 8, 9]);
    const snap = t.model.getSnapshot();
    const text = (e: RoomEvent) => (snap.opened.get(e.id)?.status === 'ok' ? (snap.opened.get(e.id) as { body: string }).body : null);
    const { messages } = applyRelations(snap.timelines.get(SECRET)?.events ?? [], ME.id, text, [], snap.quoted);
    expect(messages.map((m) => m.replyTo)).toEqual([
      null,
      { seq: old.seq, eventId: old.id, sender: BOB.username, text: 'the old question', deleted: false, source: old.id },
      { seq: gone.seq, eventId: gone.id, sender: BOB.username, text: null, deleted: true },
    ]);
    // A one-shot read gets them too.
    const read = await t.model.readPage(SECRET, { limit: 1 });
    expect(read.quoted.get(gone.id)).toMatchObject({ redacted: true });
    const page = await setup(server).model.readPage(SECRET, { limit: 2 });
    expect(page.opened.get(old.id)).toMatchObject({ status: 'ok', body: 'the old question' });
    t.model.stop();
  });

  it('a quote fetched from outside the loaded page shows its latest edit (opened in a private room), and no text once it is deleted live', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    const { e2e } = fakeE2E();
    const old = server.append(SECRET, { envelope: await e2e.encrypt(SECRET, 'the first draft', crypto.randomUUID()) });
    const edit = server.append(SECRET, { envelope: await e2e.encrypt(SECRET, 'the final text', crypto.randomUUID()), relation: { type: 'edit', eventId: old.id, seq: old.seq } });
    for (let i = 0; i < 5; i++) server.append(SECRET, { envelope: await e2e.encrypt(SECRET, `filler ${i}`, crypto.randomUUID()) });
    server.append(SECRET, { envelope: await e2e.encrypt(SECRET, 'the answer', crypto.randomUUID()), relation: { type: 'reply', eventId: old.id, seq: old.seq } });
    const t = setup(server);
    await t.model.start();
    await t.settle();
    const quotes = () => {
      const snap = t.model.getSnapshot();
      const text = (e: RoomEvent) => (snap.opened.get(e.id)?.status === 'ok' ? (snap.opened.get(e.id) as { body: string }).body : null);
      return applyRelations(snap.timelines.get(SECRET)?.events ?? [], ME.id, text, [], snap.quoted).messages.map((m) => m.replyTo).filter((q) => q !== null);
    };
    expect(quotes()).toEqual([{ seq: old.seq, eventId: old.id, sender: BOB.username, text: 'the final text', deleted: false, source: edit.id }]);
    const read = await setup(server).model.readPage(SECRET, { limit: 1 });
    expect(applyRelations(read.page.events, ME.id, (e) => (read.opened.get(e.id) as { body: string } | undefined)?.body ?? null, [], read.quoted).messages.at(-1)?.replyTo).toMatchObject({ text: 'the final text' });
    // Deleted on another client: the live delete drops the quoted text, and the cached target is marked deleted.
    server.push(SECRET, { sender: BOB, relation: { type: 'delete', eventId: old.id, seq: old.seq } });
    await t.settle();
    expect(quotes()).toEqual([{ seq: old.seq, eventId: old.id, sender: BOB.username, text: null, deleted: true }]);
    expect(t.model.getSnapshot().quoted.get(old.id)).toMatchObject({ redacted: true, envelope: null });
    t.model.stop();
  });

  it('connects and loads the rooms even when the kept messages cannot be read, and says so', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    const broken = new MemoryOutboxStore();
    broken.list = async () => {
      throw new Error('the outbox is damaged');
    };
    const t = setup(server, broken);
    await expect(t.model.start()).rejects.toThrow('the outbox is damaged');
    await t.settle();
    expect(t.model.getSnapshot().connection.status).toBe('connected');
    expect(t.model.getSnapshot().rooms.map((r) => r.id)).toEqual([OPEN]);
    t.model.stop();
  });

  it('edits, replies to, toggles a reaction on and deletes messages through the relation send path, encrypting in a private room', async () => {
    const server = new FakeServer();
    const open = room(OPEN, 'open');
    const secret = room(SECRET, 'private');
    server.addRoom(open);
    server.addRoom(secret);
    const t = setup(server);
    await t.model.start();
    await t.settle();
    for (const r of [open, secret]) {
      const mine = await t.model.send(r, 'first');
      await t.model.whenSent(mine.clientMsgId);
      await t.settle();
      const events = () => t.model.getSnapshot().timelines.get(r.id)?.events ?? [];
      const target = events()[0];
      if (!target) throw new Error('not stored');
      const text = (e: { id: string; body: string | null; envelope?: unknown }) => {
        const o = t.model.getSnapshot().opened.get(e.id);
        return e.envelope ? (o?.status === 'ok' ? o.body : null) : e.body;
      };
      const view = () => applyRelations(events(), ME.id, text).byId.get(target.id);
      await t.model.edit(r, target, 'first, edited');
      await t.model.reply(r, target, 'an answer');
      expect(await t.model.react(r, target, '👍')).toBe(true);
      await t.settle();
      expect(view()).toMatchObject({ text: 'first, edited', edited: true, reactions: [{ key: '👍', count: 1, senders: [ME.username] }] });
      expect(applyRelations(events(), ME.id, text).messages.at(-1)?.replyTo).toMatchObject({ text: 'first, edited' });
      // Reacting again with the same emoji takes it back.
      expect(await t.model.react(r, target, '👍')).toBe(false);
      await t.model.deleteMessage(r, target.seq);
      await t.settle();
      expect(view()).toMatchObject({ deleted: true, text: null, reactions: [] });
      // In the private room every text went out sealed: the server holds no body.
      if (r === secret) expect(events().filter((e) => e.relation && e.relation.type !== 'delete').every((e) => e.body === null && e.envelope)).toBe(true);
    }
    expect(t.encrypted).toEqual(expect.arrayContaining(['first, edited', 'an answer', '👍']));
    await expect(t.model.react(open, server.events.get(OPEN)?.[0] as never, 'not an emoji')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(t.model.edit(open, server.events.get(OPEN)?.[0] as never, '  ')).rejects.toMatchObject({ code: 'invalid_request' });
    t.model.stop();
  });
});

describe('ChatModel message actions', () => {
  /** The model with deletes recorded, and room OPEN and SECRET holding one message of each user. */
  async function actions() {
    const server = new FakeServer();
    server.addRoom({ ...room(OPEN, 'open'), role: 'member' });
    server.addRoom({ ...room(SECRET, 'private'), role: 'member' });
    const mine = server.append(OPEN, { sender: ME, body: 'mine' });
    const theirs = server.append(OPEN, { sender: BOB, body: 'theirs' });
    const t = setup(server, new MemoryOutboxStore());
    await t.model.start();
    await t.settle();
    const rooms = t.model.getSnapshot().rooms;
    const open = rooms.find((r) => r.id === OPEN) as Room;
    const secret = rooms.find((r) => r.id === SECRET) as Room;
    /** The `send` frames the socket carried. */
    const sends = () => server.sockets.flatMap((s) => s.sent).filter((f: { type: string }) => f.type === 'send');
    return { ...t, mine, theirs, open, secret, sends };
  }

  it('edits only this user\'s messages, and sends an edit relation with the new text over the socket', async () => {
    const t = await actions();
    await expect(t.model.edit(t.open, t.theirs, 'changed')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(t.model.edit(t.open, t.mine, '  ')).rejects.toMatchObject({ code: 'invalid_request' });
    const edit = await t.model.edit(t.open, t.mine, 'mine, fixed');
    await t.model.whenSent(edit.clientMsgId);
    expect(t.sends()).toEqual([{ type: 'send', roomId: OPEN, clientMsgId: edit.clientMsgId, body: 'mine, fixed', relatesTo: { type: 'edit', eventId: t.mine.id } }]);
    t.model.stop();
  });

  it('encrypts a reply in a private room on this device: only the relation is in clear', async () => {
    const t = await actions();
    const target = t.server.push(SECRET, { sender: BOB, envelope: null, body: null });
    await t.settle();
    const reply = await t.model.reply(t.secret, target, 'a sealed answer');
    await t.model.whenSent(reply.clientMsgId);
    expect(t.encrypted).toEqual(['a sealed answer']);
    const frame = t.sends()[0] as Record<string, unknown>;
    expect(frame).not.toHaveProperty('body');
    expect(frame).toMatchObject({ roomId: SECRET, envelope: { roomId: SECRET }, relatesTo: { type: 'reply', eventId: target.id } });
    t.model.stop();
  });

  it('toggles a reaction: adds it, and takes back this user\'s own one by deleting it; refuses text that is not one emoji', async () => {
    const t = await actions();
    await expect(t.model.react(t.open, t.theirs, 'lol')).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await t.model.react(t.open, t.theirs, '👍')).toBe(true);
    await t.settle();
    expect(t.sends()).toEqual([{ type: 'send', roomId: OPEN, clientMsgId: expect.any(String), body: '👍', relatesTo: { type: 'reaction', eventId: t.theirs.id } }]);
    const given = t.server.events.get(OPEN)?.at(-1);
    expect(given?.relation).toMatchObject({ type: 'reaction', eventId: t.theirs.id });
    expect(await t.model.react(t.open, t.theirs, '👍')).toBe(false);
    await t.settle();
    expect(t.server.events.get(OPEN)?.at(-1)?.relation).toEqual({ type: 'delete', eventId: given?.id, seq: given?.seq });
    t.model.stop();
  });

  it('queues edits, reactions, replies and deletes while offline, shows them pending, and sends them in order once connected', async () => {
    const t = await actions();
    const other = t.server.append(OPEN, { sender: ME, body: 'second' });
    t.server.push(OPEN, { sender: ME, body: 'third' });
    await t.settle();
    const third = t.model.getSnapshot().timelines.get(OPEN)?.events.at(-1) as RoomEvent;
    serverDown(t.server);
    await t.settle();
    const edit = await t.model.edit(t.open, t.mine, 'mine, edited offline');
    expect(await t.model.react(t.open, t.theirs, '🎉')).toBe(true);
    const reply = await t.model.reply(t.open, t.theirs, 'answered offline');
    const del = await t.model.deleteMessage(t.open, third.seq);
    // Toggling a reaction that is still queued only discards it.
    expect(await t.model.react(t.open, other, '👀')).toBe(true);
    expect(await t.model.react(t.open, other, '👀')).toBe(false);
    const pending = t.model.getSnapshot().pending;
    expect(pending.map((p) => [p.relation?.type, p.text, p.status])).toEqual([
      ['edit', 'mine, edited offline', 'queued'],
      ['reaction', '🎉', 'queued'],
      ['reply', 'answered offline', 'queued'],
      ['delete', '', 'queued'],
    ]);
    expect(pending[3]?.relation).toEqual({ type: 'delete', eventId: third.id, seq: third.seq });
    const before = t.server.events.get(OPEN)?.length ?? 0;
    t.server.down = false;
    await t.advance(60_000);
    await Promise.all([edit, reply, del].map((p) => t.model.whenSent(p.clientMsgId).catch(() => undefined)));
    await t.settle();
    const added = (t.server.events.get(OPEN) ?? []).slice(before);
    expect(added.map((e) => [e.relation?.type, e.body])).toEqual([
      ['edit', 'mine, edited offline'],
      ['reaction', '🎉'],
      ['reply', 'answered offline'],
      ['delete', null],
    ]);
    expect(t.model.getSnapshot().pending).toEqual([]);
    const view = applyRelations(t.model.getSnapshot().timelines.get(OPEN)?.events ?? [], ME.id, (e) => e.body);
    expect(view.byId.get(t.mine.id)).toMatchObject({ text: 'mine, edited offline', edited: true });
    expect(view.byId.get(third.id)).toMatchObject({ deleted: true });
    t.model.stop();
  });

  it('re-sends a relation whose ack was lost with the same clientMsgId: the server stores it once', async () => {
    const t = await actions();
    t.server.answer = false;
    const edit = await t.model.edit(t.open, t.mine, 'once only');
    await t.settle();
    expect(t.server.storedCount(edit.clientMsgId)).toBe(0);
    // The server stored it, then the socket died before the ack.
    t.server.append(OPEN, { sender: ME, clientMsgId: edit.clientMsgId, body: 'once only', relation: { type: 'edit', eventId: t.mine.id, seq: t.mine.seq } });
    t.server.answer = true;
    const first = t.sends();
    for (const s of t.server.sockets.splice(0)) s.close(1006, 'lost');
    await t.advance(60_000);
    // Acknowledged (as a duplicate), not failed: nothing is left pending.
    expect(t.model.getSnapshot().pending).toEqual([]);
    expect(t.server.storedCount(edit.clientMsgId)).toBe(1);
    const resent = [...first, ...t.sends()].filter((f: { clientMsgId: string }) => f.clientMsgId === edit.clientMsgId);
    expect(resent.length).toBe(2);
    expect(new Set(resent.map((f) => JSON.stringify(f))).size).toBe(1);
    t.model.stop();
  });

  it('a delete whose answer was lost counts as done when the retry finds the message already deleted', async () => {
    const t = await actions();
    // Deleted on the server already (this request's first try, or someone else): the retry answers conflict.
    t.server.append(OPEN, { sender: ME, relation: { type: 'delete', eventId: t.mine.id, seq: t.mine.seq } });
    const count = t.server.events.get(OPEN)?.length;
    await t.model.deleteMessage(t.open, t.mine.seq);
    await t.settle();
    // Done, not failed: nothing is left pending, and nothing new was stored.
    expect(t.model.getSnapshot().pending).toEqual([]);
    expect(t.server.events.get(OPEN)?.length).toBe(count);
    t.model.stop();
  });

  it('marks a relation that can never succeed failed, with the server\'s reason, sends what follows, and lets it be discarded', async () => {
    const t = await actions();
    serverDown(t.server);
    await t.settle();
    const edit = await t.model.edit(t.open, t.mine, 'too late');
    const react = await t.model.react(t.open, t.theirs, '👍');
    expect(react).toBe(true);
    // Deleted on the server while this client was away.
    t.server.append(OPEN, { sender: ME, relation: { type: 'delete', eventId: t.mine.id, seq: t.mine.seq } });
    t.server.down = false;
    await t.advance(60_000);
    await expect(t.model.whenSent(edit.clientMsgId)).rejects.toMatchObject({ code: 'conflict' });
    await t.settle();
    const pending = t.model.getSnapshot().pending;
    expect(pending).toEqual([expect.objectContaining({ clientMsgId: edit.clientMsgId, status: 'failed', error: { code: 'conflict', message: expect.stringContaining('deleted') } })]);
    // The reaction after it went through.
    expect(t.server.events.get(OPEN)?.at(-1)).toMatchObject({ body: '👍', relation: { type: 'reaction', eventId: t.theirs.id } });
    // Reconnecting does not retry it.
    for (const s of t.server.sockets.splice(0)) s.close(1006, 'lost');
    await t.advance(60_000);
    expect(t.server.storedCount(edit.clientMsgId)).toBe(0);
    expect(t.model.getSnapshot().pending.map((p) => p.status)).toEqual(['failed']);
    await t.model.discard(edit.clientMsgId);
    expect(t.model.getSnapshot().pending).toEqual([]);
    t.model.stop();
  });

  it('keeps a queued relation in the outbox store, so it is sent after a restart', async () => {
    const t = await actions();
    serverDown(t.server);
    await t.settle();
    await t.model.edit(t.open, t.mine, 'kept');
    t.model.stop();
    const kept = await t.outbox.list();
    expect(kept).toEqual([expect.objectContaining({ text: 'kept', relation: { type: 'edit', eventId: t.mine.id, seq: t.mine.seq } })]);
    t.server.down = false;
    const again = setup(t.server, t.outbox);
    await again.model.start();
    await again.settle();
    expect(t.server.events.get(OPEN)?.at(-1)).toMatchObject({ body: 'kept', relation: { type: 'edit', eventId: t.mine.id } });
    again.model.stop();
  });
});
