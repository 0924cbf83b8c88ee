import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { RoomEvent } from '../../shared/protocol/index.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { DEFAULT_FRAME_BUDGET } from '../ratelimit/flood-guard.js';
import type { Store } from '../store/store.js';
import { Connection, FlushScheduler } from './connection.js';
import { RoomFeeds } from './room-feeds.js';

const USER = { id: randomUUID(), username: 'alice' };
const ROOM = randomUUID();

class FakeWs {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
}

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
    const conn = new Connection('c', new FakeWs() as unknown as WebSocket, USER, randomUUID(), { maxBufferedBytes: 1 << 20, frameBudget: DEFAULT_FRAME_BUDGET, scheduler: new FlushScheduler() });
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
    const conn = new Connection('c', new FakeWs() as unknown as WebSocket, USER, randomUUID(), { maxBufferedBytes: 1 << 20, frameBudget: DEFAULT_FRAME_BUDGET, scheduler: new FlushScheduler() });
    const failed: { roomId: string; code: unknown }[] = [];
    await feeds.subscribe(conn, [{ roomId: ROOM, sinceSeq: 0 }], { refused: () => {}, failed: (roomId, error) => failed.push({ roomId, code: (error as { code?: unknown }).code }) });
    expect(failed).toEqual([{ roomId: ROOM, code: 'forbidden' }]);
    expect(calls.getMembership).toBe(1);
    expect(conn.rooms.has(ROOM)).toBe(false);
    expect(feeds.subscribersOf([ROOM]).size).toBe(0);
    await feeds.close();
  });
});
