import { describe, expect, it } from 'vitest';
import { ChatError } from '../protocol/index.js';
import type { Envelope, HistoryPage, Room, RoomEvent } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import { ChatModel } from './chat-model.js';
import type { E2ESession } from './e2e-session.js';
import type { Clock, SocketLike } from './live-client.js';
import { LiveClient } from './live-client.js';
import { MemoryOutboxStore } from './memory-outbox-store.js';

const ME = { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'alice' };
const BOB = { id: '1d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f01', username: 'bob' };
const DEVICE = '2d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f02';
const OPEN = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const SECRET = '4f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8e';
const LATER = '5f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8f';

const b64 = (s: string) => Buffer.from(s).toString('base64url');

function room(id: string, visibility: 'open' | 'private', name = `room-${id.slice(0, 4)}`): Room {
  return { id, name, topic: '', visibility, headSeq: 0, memberCount: 2, createdAt: '2026-11-25T10:00:00.000Z', role: 'member' };
}

/** An in-memory socket: the fake server below answers what the client sends. */
class FakeSocket implements SocketLike {
  readyState = 1;
  sent: any[] = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(private readonly server: FakeServer) {}
  send(data: string) {
    const frame = JSON.parse(data);
    this.sent.push(frame);
    this.server.onFrame(this, frame);
  }
  close(code = 1000, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  serve(frame: object) {
    if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

/**
 * The server, in memory: rooms and their events, history pages, and a socket that acks and fans out
 * sends. While `down`, REST calls fail with `unavailable` and sockets close at once.
 */
class FakeServer {
  rooms: Room[] = [];
  events = new Map<string, RoomEvent[]>();
  sockets: FakeSocket[] = [];
  down = false;
  /** Whether sends are acked (false: they are taken and never answered, as when the server dies mid-send). */
  answer = true;
  /** Error code to answer the next send with. */
  refuseNext: string | null = null;
  historyCalls: { roomId: string; after?: number; before?: number }[] = [];

  addRoom(r: Room, events: RoomEvent[] = []) {
    this.rooms.push(r);
    this.events.set(r.id, events);
  }

  append(roomId: string, fields: Partial<RoomEvent>): RoomEvent {
    const list = this.events.get(roomId) ?? [];
    const seq = list.length + 1;
    const event: RoomEvent = {
      id: `00000000-0000-4000-8000-${(seq + (roomId === OPEN ? 0 : roomId === SECRET ? 1000 : 2000)).toString(16).padStart(12, '0')}`,
      roomId,
      seq,
      kind: 'message',
      sender: BOB,
      body: null,
      envelope: null,
      target: null,
      clientMsgId: null,
      createdAt: '2026-11-25T10:00:00.000Z',
      ...fields,
    };
    list.push(event);
    this.events.set(roomId, list);
    return event;
  }

  /** Stored once per clientMsgId, as the real server does. */
  storedCount(clientMsgId: string): number {
    return [...this.events.values()].flat().filter((e) => e.clientMsgId === clientMsgId).length;
  }

  onFrame(socket: FakeSocket, frame: any) {
    if (frame.type !== 'send' || !this.answer) return;
    if (this.refuseNext) {
      const code = this.refuseNext;
      this.refuseNext = null;
      queueMicrotask(() => socket.serve({ type: 'error', code, message: 'refused', ref: frame.clientMsgId }));
      return;
    }
    const existing = (this.events.get(frame.roomId) ?? []).find((e) => e.clientMsgId === frame.clientMsgId);
    const event = existing ?? this.append(frame.roomId, { sender: ME, clientMsgId: frame.clientMsgId, body: frame.body ?? null, envelope: frame.envelope ?? null });
    queueMicrotask(() => {
      socket.serve({ type: 'ack', roomId: frame.roomId, clientMsgId: frame.clientMsgId, id: event.id, seq: event.seq });
      if (!existing) for (const s of this.sockets) s.serve({ type: 'event', event });
    });
  }

  push(roomId: string, fields: Partial<RoomEvent> = {}): RoomEvent {
    const event = this.append(roomId, fields);
    for (const s of this.sockets) s.serve({ type: 'event', event });
    return event;
  }

  api(): ApiClient {
    const check = () => {
      if (this.down) throw new ChatError('unavailable', 'cannot reach the server');
    };
    return {
      serverUrl: 'http://chat.test',
      freshSession: async () => {
        check();
        return { accessToken: 'token' };
      },
      rooms: async () => {
        check();
        return [...this.rooms];
      },
      members: async () => [],
      history: async (roomId: string, q: { after?: number; before?: number; limit?: number }): Promise<HistoryPage> => {
        check();
        this.historyCalls.push({ roomId, ...q });
        const all = this.events.get(roomId) ?? [];
        const limit = q.limit ?? 50;
        if (q.after !== undefined) {
          const events = all.filter((e) => e.seq > (q.after ?? 0)).slice(0, limit);
          return { events, headSeq: all.length, hasMore: false };
        }
        const before = all.filter((e) => e.seq < (q.before ?? Infinity));
        const events = before.slice(-limit);
        return { events, headSeq: all.length, hasMore: before.length > events.length };
      },
    } as unknown as ApiClient;
  }
}

/** Encryption and opening without keys; the first `unreachable` encryptions fail as if the server were away. */
function fakeE2E(unreachable = 0) {
  const encrypted: string[] = [];
  let failures = unreachable;
  const e2e = {
    encrypt: async (roomId: string, body: string, clientMsgId: string): Promise<Envelope> => {
      if (failures-- > 0) throw new ChatError('unavailable', 'cannot reach the server');
      encrypted.push(body);
      return { v: 1, suite: 'p256-hmac-aes256gcm-1', roomId, senderUser: ME.id, senderDevice: DEVICE, keyId: b64('key-of-the-chain!'), counter: encrypted.length, clientMsgId, iv: b64('sixteen-byte-iv!'), ct: b64(body), sig: 'A'.repeat(86) };
    },
    open: async (event: RoomEvent) => ({ status: 'ok' as const, body: Buffer.from(event.envelope?.ct ?? '', 'base64url').toString(), sentAt: 0 }),
    sync: async () => {},
  } as unknown as Pick<E2ESession, 'encrypt' | 'open' | 'sync'>;
  return { e2e, encrypted };
}

function setup(server = new FakeServer(), outbox = new MemoryOutboxStore(), readPositions: Record<string, number> = {}, unreachable = 0) {
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
  const api = server.api();
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
  const { e2e, encrypted } = fakeE2E(unreachable);
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
    await t.settle();
    expect(t.model.getSnapshot().unread.get(OPEN)).toEqual({ count: 2, mention: true });
    t.model.markRead(OPEN);
    expect(t.model.getSnapshot().unread.get(OPEN)).toEqual({ count: 0, mention: false });
    expect(t.saved).toEqual({ [OPEN]: 3 });
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
});
