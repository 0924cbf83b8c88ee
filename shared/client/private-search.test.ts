import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../protocol/index.js';
import { MessageIndex } from '../search/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession } from './e2e-session.js';
import { updatePrivateIndex } from './private-search.js';
import { ALICE, BOB, fixtureEvent, idOf, ROOM } from '../../test/support/room-events.js';
import type { FixtureRelation } from '../../test/support/room-events.js';


/** A private-room event whose "envelope" a fake session opens to `text` (null for a delete). */
function event(seq: number, text: string | null, sender = ALICE, relation?: FixtureRelation): RoomEvent {
  return fixtureEvent('envelope', seq, text, { sender, ...(relation ? { relation } : {}) });
}

/** A fake API serving `events` after a seq, and a fake session opening each envelope to its text. */
function fakes(events: readonly RoomEvent[]): { api: ApiClient; e2e: E2ESession } {
  const api = {
    history: (_room: string, { after }: { after: number }) => Promise.resolve({ events: events.filter((e) => e.seq > after), hasMore: false }),
  } as unknown as ApiClient;
  const e2e = {
    sync: () => Promise.resolve(),
    openMany: (es: readonly RoomEvent[]) => Promise.resolve(es.map((e) => ({ status: 'ok', body: (e.envelope as unknown as { text: string }).text }))),
  } as unknown as E2ESession;
  return { api, e2e };
}

const rooms = [{ id: ROOM, name: 'plans' }];
const found = (index: MessageIndex, q: string) => index.search(q).map((h) => [h.seq, h.snippet.text]);

describe('updatePrivateIndex applies relations', () => {
  const history = [
    event(6, 'the zebra is the word'),
    event(7, 'giraffe is the word', ALICE, { type: 'edit', seq: 6 }),
    event(8, 'a walrus appears'),
    event(9, '🦓', BOB, { type: 'reaction', seq: 6 }),
    event(10, null, ALICE, { type: 'delete', seq: 8 }),
    event(11, 'hear me: walrus', BOB, { type: 'reply', seq: 6 }),
  ];

  it('indexes an edit as its target (latest text), drops deleted text and skips reactions', async () => {
    const index = MessageIndex.empty();
    const { api, e2e } = fakes(history);
    await updatePrivateIndex(index, api, e2e, rooms);
    expect(found(index, 'zebra')).toEqual([]);
    expect(found(index, 'giraffe')).toEqual([[6, 'giraffe is the word']]);
    expect(index.search('giraffe')[0]?.eventId).toBe(idOf(6));
    expect(found(index, 'walrus')).toEqual([[11, 'hear me: walrus']]);
    expect(index.size).toBe(2);
  });

  it('applies relations that come in a later update, also to the index read back from disk', async () => {
    const { e2e } = fakes([]);
    let index = MessageIndex.empty();
    await updatePrivateIndex(index, fakes(history.slice(0, 1)).api, e2e, rooms);
    expect(found(index, 'zebra')).toEqual([[6, 'the zebra is the word']]);
    index = MessageIndex.load(index.serialize());
    await updatePrivateIndex(index, fakes(history.slice(0, 3)).api, e2e, rooms);
    expect(found(index, 'walrus')).toEqual([[8, 'a walrus appears']]);
    index = MessageIndex.load(index.serialize());
    await updatePrivateIndex(index, fakes(history).api, e2e, rooms);
    const reread = MessageIndex.load(index.serialize());
    expect(found(reread, 'zebra')).toEqual([]);
    expect(found(reread, 'walrus')).toEqual([[11, 'hear me: walrus']]);
    expect(found(reread, 'giraffe')).toEqual([[6, 'giraffe is the word']]);
  });

  it('ignores an edit by anyone but the author, and an older edit opened after a newer one', () => {
    const index = MessageIndex.empty();
    const [target] = history;
    index.add({ id: idOf(6), roomId: ROOM, roomName: 'plans', seq: 6, senderId: ALICE.id, sender: 'alice', createdAt: (target as RoomEvent).createdAt, text: 'the zebra' });
    index.edit(idOf(6), { seq: 12, senderId: BOB.id, text: 'bob was here' });
    index.edit(idOf(6), { seq: 14, senderId: ALICE.id, text: 'newest okapi' });
    index.edit(idOf(6), { seq: 13, senderId: ALICE.id, text: 'older lemur' });
    expect(found(index, 'bob')).toEqual([]);
    expect(found(index, 'lemur')).toEqual([]);
    expect(found(index, 'okapi')).toEqual([[6, 'newest okapi']]);
  });
});

describe('updatePrivateIndex and messages whose keys are not here', () => {
  /** A session that opens nothing until `keysCame`, saying `status` for each message meanwhile. */
  function lockedUntilKeys(events: readonly RoomEvent[], status: 'waiting' | 'not_shared' | 'before_join' | 'before_device') {
    const { api } = fakes(events);
    const state = { keysCame: false };
    const e2e = {
      sync: () => Promise.resolve(),
      openMany: (es: readonly RoomEvent[]) => Promise.resolve(es.map((e) => (state.keysCame ? { status: 'ok', body: (e.envelope as unknown as { text: string }).text } : { status }))),
    } as unknown as E2ESession;
    return { api, e2e, state };
  }

  it.each(['waiting', 'not_shared', 'before_join', 'before_device'] as const)(
    'indexes a message that was %s once its key comes (restore, approval, a late share), also from the index read back from disk',
    async (status) => {
      const { api, e2e, state } = lockedUntilKeys([event(3, 'the PLT budget is 3699'), event(4, 'PLT review on friday')], status);
      let index = MessageIndex.empty();
      // Counted as not searchable yet, except what was sent before the user joined (no key was meant for it).
      const counted = status === 'before_join' ? { waiting: 0, waitingRooms: 0 } : { waiting: 2, waitingRooms: 1 };
      expect(await updatePrivateIndex(index, api, e2e, rooms)).toEqual({ added: 0, ...counted });
      expect(found(index, 'PLT')).toEqual([]);
      index = MessageIndex.load(index.serialize());
      // Still no key: still counted, still not found.
      expect(await updatePrivateIndex(index, api, e2e, rooms)).toMatchObject(counted);
      state.keysCame = true;
      index = MessageIndex.load(index.serialize());
      expect(await updatePrivateIndex(index, api, e2e, rooms)).toEqual({ added: 2, waiting: 0, waitingRooms: 0 });
      expect(found(index, 'PLT')).toEqual([
        [4, 'PLT review on friday'],
        [3, 'the PLT budget is 3699'],
      ]);
      expect(found(index, '3699')).toEqual([[3, 'the PLT budget is 3699']]);
    },
  );

  it('drops for good only what no key can open (a replay, another room, an unreadable envelope)', async () => {
    const { api } = fakes([event(3, 'replayed PLT')]);
    let calls = 0;
    const e2e = {
      sync: () => Promise.resolve(),
      openMany: (es: readonly RoomEvent[]) => ((calls += es.length), Promise.resolve(es.map(() => ({ status: 'replayed' })))),
    } as unknown as E2ESession;
    const index = MessageIndex.empty();
    expect(await updatePrivateIndex(index, api, e2e, rooms)).toEqual({ added: 0, waiting: 0, waitingRooms: 0 });
    await updatePrivateIndex(index, api, e2e, rooms);
    expect(calls).toBe(1);
  });
});

describe('updatePrivateIndex with more messages waiting for keys than it keeps whole', () => {
  it('indexes every one of them once the keys come, the oldest (kept only as a span of seqs) too', async () => {
    const history = Array.from({ length: 1_003 }, (_, i) => event(i + 1, `note ${i + 1} about zebras`));
    const { api } = fakes(history);
    const state = { keysCame: false };
    const e2e = {
      sync: () => Promise.resolve(),
      openMany: (es: readonly RoomEvent[]) => Promise.resolve(es.map((e) => (state.keysCame ? { status: 'ok', body: (e.envelope as unknown as { text: string }).text } : { status: 'before_device' }))),
    } as unknown as E2ESession;
    let index = MessageIndex.empty();
    expect(await updatePrivateIndex(index, api, e2e, rooms)).toMatchObject({ waiting: 1_003, waitingRooms: 1 });
    index = MessageIndex.load(index.serialize());
    expect(index.room(ROOM).pending.length).toBeLessThan(1_003);
    state.keysCame = true;
    expect(await updatePrivateIndex(index, api, e2e, rooms)).toMatchObject({ waiting: 0, waitingRooms: 0 });
    expect(index.size).toBe(1_003);
    expect(found(index, '"note 1 about"')).toEqual([[1, 'note 1 about zebras']]);
  });
});

describe('updatePrivateIndex counts what waits by message', () => {
  it('counts a message and its edits waiting for keys once', async () => {
    const { api } = fakes([event(3, 'kiwi plan'), event(4, 'kiwi plan, revised', ALICE, { type: 'edit', seq: 3 }), event(5, 'mango plan')]);
    const e2e = { sync: () => Promise.resolve(), openMany: (es: readonly RoomEvent[]) => Promise.resolve(es.map(() => ({ status: 'before_device' }))) } as unknown as E2ESession;
    expect(await updatePrivateIndex(MessageIndex.empty(), api, e2e, rooms)).toEqual({ added: 0, waiting: 2, waitingRooms: 1 });
  });
});
