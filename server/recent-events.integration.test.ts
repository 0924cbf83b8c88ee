import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ServerFrame } from '../shared/protocol/index.js';
import type { RoomEvent } from '../shared/protocol/index.js';
import { newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { MemoryBus } from './bus/memory-bus.js';
import { migrate } from './store/migrate.js';
import { createPgliteClient } from './store/pglite-client.js';
import type { SqlClient } from './store/sql-client.js';
import { SqlStore } from './store/sql-store.js';
import type { Store } from './store/store.js';

/** A bus that loses every third room event, as a real one may: the feeds read those from the store (gaps). */
class LossyBus extends MemoryBus {
  private n = 0;
  override async publish(channel: string, message: string): Promise<void> {
    if (channel.startsWith('room:') && message.includes('"t":"event"') && this.n++ % 3 === 2) return;
    return super.publish(channel, message);
  }
}

let sql: SqlClient;
let t: TestServer;
/** How many times the server read a room's events from the store. */
let eventReads = 0;
beforeAll(async () => {
  sql = await createPgliteClient(undefined);
  await migrate(sql);
  const real = new SqlStore(sql);
  const counted = new Proxy(real, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (name !== 'listEvents' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: Parameters<Store['listEvents']>) => {
        eventReads++;
        return real.listEvents(...args);
      };
    },
  });
  // A quick position check, so that a lost last event is read without waiting for a later one.
  t = await startTestServer({ store: counted, bus: new LossyBus(), positionCheckMs: 50 });
});
afterAll(async () => {
  await t.stop();
  await sql.close();
});

/** One raw socket of the user, and every event it was sent, in order. */
async function openSocket(accessToken: string) {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${accessToken}` } });
  const events: RoomEvent[] = [];
  const frames: ServerFrame[] = [];
  const waiters: { test: (f: ServerFrame) => boolean; resolve: () => void }[] = [];
  ws.on('message', (data) => {
    const frame = ServerFrame.parse(JSON.parse(String(data)));
    frames.push(frame);
    if (frame.type === 'event') events.push(frame.event);
    if (frame.type === 'batch') events.push(...frame.events);
    for (const w of [...waiters]) {
      if (!w.test(frame)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const next = (test: (f: ServerFrame) => boolean) =>
    frames.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve }));
  await next((f) => f.type === 'ready');
  return {
    events,
    /** Subscribes from `sinceSeq` and resolves once `subscribed` came, with the events sent before it. */
    async subscribe(roomId: string, sinceSeq: number): Promise<RoomEvent[]> {
      const from = events.length;
      const done = next((f) => f.type === 'subscribed' && f.roomId === roomId);
      ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId, sinceSeq }] }));
      await done;
      return events.slice(from);
    },
    /** Resolves once the socket has been sent the room's event at `seq`. */
    async reached(seq: number): Promise<void> {
      while (!events.some((e) => e.seq === seq)) await new Promise((r) => setTimeout(r, 10));
    },
    close: () => ws.close(),
  };
}

/** The events as a client reads them (JSON text parsed), so that key order and absent keys compare alike. */
const asSent = (events: readonly RoomEvent[]) => JSON.parse(JSON.stringify(events)) as unknown;

describe("a subscribe's backfill from the room feed's memory", () => {
  it('is exactly what the store reads, after edits, reactions, replies, deletes, a kick and lost bus events, with no store read', async () => {
    const alice = await newUser(t.url, 'alice');
    const bob = await newUser(t.url, 'bob');
    const carol = await newUser(t.url, 'carol');
    const { room } = await alice.api.createRoom({ name: `recent-${randomUUID().slice(0, 8)}` });
    await bob.api.join(room.id);
    await carol.api.join(room.id);
    const watcher = await openSocket(alice.session.tokens.accessToken);
    // The first subscribe of the room reads its history from the store, and the feed keeps it.
    expect(await watcher.subscribe(room.id, 0)).toHaveLength(3);

    const first = await alice.api.send(room.id, 'first, with a typo', randomUUID());
    const second = await bob.api.send(room.id, 'second', randomUUID());
    await alice.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: 'first, fixed', relatesTo: { type: 'edit', eventId: first.id } });
    const like = await bob.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: '👍', relatesTo: { type: 'reaction', eventId: first.id } });
    await carol.api.sendRelation(room.id, { clientMsgId: randomUUID(), body: 'a reply', relatesTo: { type: 'reply', eventId: second.id } });
    await alice.api.deleteMessage(room.id, first.seq); // the message and its edit lose their text
    await bob.api.deleteMessage(room.id, like.seq); // a reaction taken back
    await alice.api.kick(room.id, carol.session.user.username);
    const last = await bob.api.send(room.id, 'after the kick', randomUUID());
    await watcher.reached(last.seq);

    const stored = await t.store.listEvents(room.id, { afterSeq: 0, limit: 100 });
    expect(stored.filter((e) => e.redacted).map((e) => e.seq)).toEqual([first.seq, first.seq + 2, like.seq]);
    const reads = eventReads;
    const late = await openSocket(bob.session.tokens.accessToken);
    expect(asSent(await late.subscribe(room.id, 0))).toEqual(asSent(stored));
    const resumed = await openSocket(bob.session.tokens.accessToken);
    expect(asSent(await resumed.subscribe(room.id, second.seq))).toEqual(asSent(stored.filter((e) => e.seq > second.seq)));
    expect(eventReads).toBe(reads);
    for (const s of [watcher, late, resumed]) s.close();
  });

  it('falls back to the store for a subscribe older than the memory, and keeps what it read', async () => {
    const alice = await newUser(t.url, 'alice');
    const { room } = await alice.api.createRoom({ name: `recent-${randomUUID().slice(0, 8)}` });
    for (let i = 0; i < 5; i++) await alice.api.send(room.id, `before anyone listened ${i}`, randomUUID());
    const watcher = await openSocket(alice.session.tokens.accessToken);
    // Up to date: the feed starts at the head, and nothing is read.
    let reads = eventReads;
    expect(await watcher.subscribe(room.id, 6)).toEqual([]);
    expect(eventReads).toBe(reads);
    const last = await alice.api.send(room.id, 'live', randomUUID());
    await watcher.reached(last.seq);
    // Older than anything the feed held: read from the store, all of it, once.
    const stored = await t.store.listEvents(room.id, { afterSeq: 0, limit: 100 });
    reads = eventReads;
    const late = await openSocket(alice.session.tokens.accessToken);
    expect(asSent(await late.subscribe(room.id, 0))).toEqual(asSent(stored));
    expect(eventReads).toBe(reads + 1);
    const again = await openSocket(alice.session.tokens.accessToken);
    expect(asSent(await again.subscribe(room.id, 2))).toEqual(asSent(stored.slice(2)));
    expect(eventReads).toBe(reads + 1);
    for (const s of [watcher, late, again]) s.close();
  });
});
