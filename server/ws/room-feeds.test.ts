import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { RoomEvent, UserRef } from '../../shared/protocol/index.js';
import { ServerFrame } from '../../shared/protocol/index.js';
import { claimsOf } from '../../test/support/claims.js';
import { FakeRoomStore } from '../../test/support/fake-room-store.js';
import { FakeSocket } from '../../test/support/fake-socket.js';
import { Channels } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { publishRoomMessage } from '../bus/messages.js';
import { DEFAULT_FRAME_BUDGET } from '../ratelimit/flood-guard.js';
import type { Store } from '../store/store.js';
import type { ConnectionSocket } from './connection.js';
import { Connection, FlushScheduler } from './connection.js';
import { RoomFeeds } from './room-feeds.js';

const USER = { id: randomUUID(), username: 'alice' };
const ROOM = randomUUID();

const event = (seq: number, kind: RoomEvent['kind']): RoomEvent => ({
  id: randomUUID(),
  roomId: ROOM,
  seq,
  kind,
  sender: USER,
  body: null,
  envelope: null,
  target: null,
  clientMsgId: null,
  createdAt: new Date(0).toISOString(),
});

/**
 * A store where the user was a member when the subscribe checked (head 5), then left (seq 6) before
 * the room's feed took the socket in. `calls` counts what the feed asked.
 */
function storeWithLeaveAfterCheck() {
  const calls: Record<string, number> = {};
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const store = {
    membershipsOf: async (_user: string, roomIds: readonly string[]) => (count('membershipsOf'), new Map(roomIds.filter((id) => id === ROOM).map((id) => [id, 5]))),
    headSeq: async () => (count('headSeq'), 6),
    listEvents: async (_room: string, range: { afterSeq?: number }) => (count('listEvents'), (range.afterSeq ?? 0) < 6 ? [event(6, 'leave')] : []),
    getMembership: async () => (count('getMembership'), null),
  } as unknown as Store;
  return { store, calls };
}

describe('RoomFeeds.subscribe', () => {
  it('checks every room in one query and answers the refused ones together, touching no feed for them', async () => {
    const { store, calls } = storeWithLeaveAfterCheck();
    const feeds = new RoomFeeds(store, new MemoryBus(), pino({ level: 'silent' }));
    const conn = new Connection('c', new FakeSocket() as unknown as ConnectionSocket, USER, claimsOf(USER, randomUUID()), { maxBufferedBytes: 1 << 20, frameBudget: DEFAULT_FRAME_BUDGET, scheduler: new FlushScheduler() });
    const strangers = Array.from({ length: 300 }, () => randomUUID());
    const refused: string[][] = [];
    await feeds.subscribe(
      conn,
      strangers.map((roomId) => ({ roomId, sinceSeq: 0 })),
      { refused: (ids) => refused.push([...ids]), failed: () => {} },
    );
    expect(calls).toEqual({ membershipsOf: 1 });
    expect(refused).toEqual([strangers]);
    await feeds.close();
  });

  it('looks again when the room moved on since the check, and refuses a user who left in between', async () => {
    const { store, calls } = storeWithLeaveAfterCheck();
    const feeds = new RoomFeeds(store, new MemoryBus(), pino({ level: 'silent' }));
    const conn = new Connection('c', new FakeSocket() as unknown as ConnectionSocket, USER, claimsOf(USER, randomUUID()), { maxBufferedBytes: 1 << 20, frameBudget: DEFAULT_FRAME_BUDGET, scheduler: new FlushScheduler() });
    const failed: { roomId: string; code: unknown }[] = [];
    await feeds.subscribe(conn, [{ roomId: ROOM, sinceSeq: 0 }], { refused: () => {}, failed: (roomId, error) => failed.push({ roomId, code: (error as { code?: unknown }).code }) });
    expect(failed).toEqual([{ roomId: ROOM, code: 'forbidden' }]);
    expect(calls.getMembership).toBe(1);
    expect(conn.rooms.has(ROOM)).toBe(false);
    expect(feeds.subscribersOf([ROOM]).size).toBe(0);
    await feeds.close();
  });
});

const BOB = { id: randomUUID(), username: 'bob' };

/** A memory bus that also records which channels are subscribed now. */
class WatchedBus extends MemoryBus {
  readonly live = new Set<string>();
  override async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    this.live.add(channel);
    return super.subscribe(channel, handler);
  }
  override async unsubscribe(channel: string): Promise<void> {
    this.live.delete(channel);
    return super.unsubscribe(channel);
  }
}

/** Lets every pending promise, bus delivery and connection flush run (event-loop turns, no clock). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function socket(user: UserRef) {
  const ws = new FakeSocket();
  const conn = new Connection(randomUUID(), ws as unknown as ConnectionSocket, user, claimsOf(user, randomUUID()), { maxBufferedBytes: 1 << 20, frameBudget: DEFAULT_FRAME_BUDGET, scheduler: new FlushScheduler() });
  return { ws, conn };
}

/** What the socket received, each frame decoded by the client's schema; events flattened with their seq. */
function received(ws: FakeSocket): string[] {
  return ws.sent.flatMap((raw) => {
    const frame = ServerFrame.parse(JSON.parse(raw));
    if (frame.type === 'event') return [`event ${frame.event.seq}`];
    if (frame.type === 'batch') return frame.events.map((e) => `event ${e.seq}`);
    if (frame.type === 'subscribed' || frame.type === 'unsubscribed') return [`${frame.type}`];
    return [frame.type];
  });
}

/** A room with alice and bob in it and two events, a feed over a watched bus, and both subscribed at seq 2. */
async function liveRoom(lines: string[] = []) {
  const fake = new FakeRoomStore();
  fake.addMember(ROOM, USER);
  fake.addMember(ROOM, BOB);
  fake.append(ROOM, 'join', USER);
  fake.append(ROOM, 'join', BOB);
  const bus = new WatchedBus();
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const feeds = new RoomFeeds(fake.store, bus, logger);
  const alice = socket(USER);
  const bob = socket(BOB);
  const handlers = { refused: () => {}, failed: (_roomId: string, error: unknown) => { throw error; } };
  await feeds.subscribe(alice.conn, [{ roomId: ROOM, sinceSeq: 2 }], handlers);
  await feeds.subscribe(bob.conn, [{ roomId: ROOM, sinceSeq: 2 }], handlers);
  await settle();
  alice.ws.sent = [];
  bob.ws.sent = [];
  return { fake, bus, feeds, alice, bob };
}

const announce = (bus: MemoryBus, event: RoomEvent) => publishRoomMessage(bus, event.roomId, { t: 'event', event });

describe('RoomFeeds delivery', () => {
  it('checks the memberships of the subscribes of one turn in one store read', async () => {
    const { fake, feeds } = await liveRoom();
    const users = Array.from({ length: 5 }, (_, i) => ({ id: randomUUID(), username: `u${i}` }));
    for (const u of users) fake.addMember(ROOM, u);
    const sockets = users.map((u) => socket(u));
    const stranger = socket({ id: randomUUID(), username: 'stranger' });
    const before = { ...fake.calls };
    const refused: string[][] = [];
    const handlers = { refused: (ids: readonly string[]) => refused.push([...ids]), failed: (_roomId: string, error: unknown) => { throw error; } };
    await Promise.all([...sockets, stranger].map((s) => feeds.subscribe(s.conn, [{ roomId: ROOM, sinceSeq: 2 }], handlers)));
    await settle();
    for (const s of sockets) expect(received(s.ws)).toEqual(['subscribed']);
    expect(refused).toEqual([[ROOM]]);
    expect(stranger.conn.rooms.size).toBe(0);
    expect(Object.fromEntries(Object.entries(fake.calls).map(([name, n]) => [name, n - (before[name] ?? 0)]).filter(([, n]) => n !== 0))).toEqual({ membershipsOfMany: 1 });
    await feeds.close();
  });

  it('subscribes another socket to a live room with the membership check as its only store read', async () => {
    const { fake, feeds } = await liveRoom();
    const carol = { id: randomUUID(), username: 'carol' };
    fake.addMember(ROOM, carol);
    const third = socket(carol);
    const before = { ...fake.calls };
    await feeds.subscribe(third.conn, [{ roomId: ROOM, sinceSeq: 2 }], { refused: () => {}, failed: (_roomId, error) => { throw error; } });
    await settle();
    expect(received(third.ws)).toEqual(['subscribed']);
    expect(Object.fromEntries(Object.entries(fake.calls).map(([name, n]) => [name, n - (before[name] ?? 0)]).filter(([, n]) => n !== 0))).toEqual({ membershipsOf: 1 });
    await feeds.close();
  });

  it("answers a backfill from the feed's memory, and one older than it with a store read of the older events only", async () => {
    const fake = new FakeRoomStore();
    for (const u of [USER, BOB]) fake.addMember(ROOM, u);
    fake.append(ROOM, 'join', USER);
    fake.append(ROOM, 'join', BOB);
    const reads: { afterSeq?: number; limit: number }[] = [];
    const listEvents = fake.listEvents.bind(fake);
    fake.listEvents = async (roomId, range) => (reads.push({ ...range }), listEvents(roomId, range));
    const bus = new MemoryBus();
    const feeds = new RoomFeeds(fake.store, bus, pino({ level: 'silent' }), 10_000, undefined, { perRoom: 3, budgetBytes: 1 << 20 });
    const handlers = { refused: () => {}, failed: (_roomId: string, error: unknown) => { throw error; } };
    const alice = socket(USER);
    await feeds.subscribe(alice.conn, [{ roomId: ROOM, sinceSeq: 2 }], handlers);
    for (let i = 0; i < 5; i++) await announce(bus, fake.append(ROOM, 'message', BOB));
    await settle();
    expect(received(alice.ws)).toEqual(['subscribed', 'event 3', 'event 4', 'event 5', 'event 6', 'event 7']);
    expect(reads).toEqual([]);
    // The first backfill reads the store and keeps the newest three (5 to 7).
    const first = socket(BOB);
    await feeds.subscribe(first.conn, [{ roomId: ROOM, sinceSeq: 0 }], handlers);
    expect(reads).toEqual([{ afterSeq: 0, limit: 7 }]);
    // From memory: nothing read.
    const second = socket(BOB);
    await feeds.subscribe(second.conn, [{ roomId: ROOM, sinceSeq: 4 }], handlers);
    expect(reads).toHaveLength(1);
    // Older than the memory: only what it lacks (3 and 4) is read.
    const third = socket(BOB);
    await feeds.subscribe(third.conn, [{ roomId: ROOM, sinceSeq: 2 }], handlers);
    expect(reads).toEqual([{ afterSeq: 0, limit: 7 }, { afterSeq: 2, limit: 2 }]);
    await settle();
    expect(received(first.ws)).toEqual(['event 1', 'event 2', 'event 3', 'event 4', 'event 5', 'event 6', 'event 7', 'subscribed']);
    expect(received(second.ws)).toEqual(['event 5', 'event 6', 'event 7', 'subscribed']);
    expect(received(third.ws)).toEqual(['event 3', 'event 4', 'event 5', 'event 6', 'event 7', 'subscribed']);
    await feeds.close();
  });

  it('delivers an event repeated on the bus once, also when the repeat comes after later events', async () => {
    const { fake, bus, feeds, alice } = await liveRoom();
    const third = fake.append(ROOM, 'message', BOB);
    await announce(bus, third);
    await announce(bus, third);
    await settle();
    await announce(bus, fake.append(ROOM, 'message', BOB));
    await announce(bus, third);
    await settle();
    expect(received(alice.ws)).toEqual(['event 3', 'event 4']);
    await feeds.close();
  });

  it('reads a gap the bus lost from the store, and delivers in seq order', async () => {
    const { fake, bus, feeds, alice } = await liveRoom();
    fake.append(ROOM, 'message', BOB);
    fake.append(ROOM, 'message', BOB);
    const fifth = fake.append(ROOM, 'message', BOB);
    const before = fake.calls.listEvents ?? 0;
    await announce(bus, fifth); // 3 and 4 never came
    await settle();
    expect(received(alice.ws)).toEqual(['event 3', 'event 4', 'event 5']);
    expect(fake.calls.listEvents).toBe(before + 1);
    await feeds.close();
  });

  it('cuts a leaving user right after the leave, even when a later send reaches the bus first', async () => {
    const { fake, bus, feeds, alice, bob } = await liveRoom();
    const leave = fake.append(ROOM, 'leave', USER);
    const send = fake.append(ROOM, 'message', BOB);
    await announce(bus, send); // the send overtakes the leave on the bus
    await announce(bus, leave);
    await settle();
    expect(received(alice.ws)).toEqual(['event 3', 'unsubscribed']);
    expect(ServerFrame.parse(JSON.parse(alice.ws.sent.at(-1) as string))).toEqual({ type: 'unsubscribed', roomId: ROOM, reason: 'removed' });
    expect(alice.conn.rooms.has(ROOM)).toBe(false);
    expect(received(bob.ws)).toEqual(['event 3', 'event 4']);
    await announce(bus, fake.append(ROOM, 'message', BOB));
    await settle();
    expect(received(alice.ws)).toEqual(['event 3', 'unsubscribed']);
    expect(feeds.subscribersOf([ROOM])).toEqual(new Set([bob.conn]));
    await feeds.close();
  });

  it('tears the feed and its bus subscription down when the last subscriber leaves, and reads nothing more', async () => {
    const { fake, bus, feeds, alice, bob } = await liveRoom();
    await feeds.unsubscribe(alice.conn, ROOM);
    await settle();
    expect(bus.live.has(Channels.room(ROOM))).toBe(true);
    await feeds.unsubscribe(bob.conn, ROOM);
    await settle();
    expect(bus.live.has(Channels.room(ROOM))).toBe(false);
    expect(feeds.subscribersOf([ROOM]).size).toBe(0);
    const calls = { ...fake.calls };
    await announce(bus, fake.append(ROOM, 'message', BOB));
    await settle();
    expect(fake.calls).toEqual(calls);
    expect([...received(alice.ws), ...received(bob.ws)]).toEqual([]);
    await feeds.close();
  });

  it('drops an invalid bus message with a debug line, and goes on delivering', async () => {
    const lines: string[] = [];
    const { fake, bus, feeds, alice } = await liveRoom(lines);
    await bus.publish(Channels.room(ROOM), JSON.stringify({ t: 'event', event: { seq: 3 } }));
    await bus.publish(Channels.room(ROOM), '{"type":"event"');
    await settle();
    expect(received(alice.ws)).toEqual([]);
    const dropped = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.msg === 'invalid room bus message dropped');
    expect(dropped.map((l) => l.level)).toEqual([20, 20]);
    await announce(bus, fake.append(ROOM, 'message', BOB));
    await settle();
    expect(received(alice.ws)).toEqual(['event 3']);
    await feeds.close();
  });
});
