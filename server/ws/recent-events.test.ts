import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../shared/protocol/index.js';
import { encodeEvent } from '../../shared/protocol/index.js';
import { SharedEvent } from './connection.js';
import { ENTRY_OVERHEAD, RecentEvents } from './recent-events.js';
import type { RecentWindow } from './recent-events.js';

const ROOM = randomUUID();
const ALICE = { id: randomUUID(), username: 'alice' };

const message = (seq: number, extra: Partial<RoomEvent> = {}): RoomEvent => ({
  id: randomUUID(),
  roomId: ROOM,
  seq,
  kind: 'message',
  sender: ALICE,
  body: `m${seq}`,
  envelope: null,
  target: null,
  clientMsgId: randomUUID(),
  createdAt: new Date(0).toISOString(),
  relation: null,
  ...extra,
});

/** Appends as a feed does: the event with the bytes sent live. */
const append = (window: RecentWindow, event: RoomEvent) => window.append(event, new SharedEvent(encodeEvent(event)));
/** The held events after `seq`, as a client reads them; undefined when the window does not reach back that far. */
const heldAfter = (window: RecentWindow, seq: number) => window.after(seq)?.map((e) => JSON.parse(e.json) as RoomEvent);

describe('RecentWindow', () => {
  it('keeps the newest events of a room up to its limit, and answers only what it covers', () => {
    const window = new RecentEvents({ perRoom: 3, budgetBytes: 1 << 20 }).open(10);
    expect(heldAfter(window, 10)).toEqual([]);
    expect(heldAfter(window, 9)).toBeUndefined();
    const events = [11, 12, 13, 14, 15].map((seq) => message(seq));
    for (const e of events) append(window, e);
    expect([window.from, window.to, window.size]).toEqual([12, 15, 3]);
    expect(heldAfter(window, 11)).toBeUndefined();
    expect(heldAfter(window, 12)).toEqual(events.slice(2));
    expect(heldAfter(window, 14)).toEqual(events.slice(4));
    expect(heldAfter(window, 15)).toEqual([]);
  });

  it('redacts a deleted message and its edits as the store does, and leaves reactions and replies to it alone', () => {
    const window = new RecentEvents().open(0);
    const target = message(1);
    const edit = message(2, { body: 'fixed', relation: { type: 'edit', eventId: target.id, seq: 1 } });
    const reaction = message(3, { body: '👍', relation: { type: 'reaction', eventId: target.id, seq: 1 } });
    const reply = message(4, { body: 'a reply', relation: { type: 'reply', eventId: target.id, seq: 1 } });
    const del = message(5, { body: null, clientMsgId: null, relation: { type: 'delete', eventId: target.id, seq: 1 } });
    for (const e of [target, edit, reaction, reply, del]) append(window, e);
    expect(heldAfter(window, 0)).toEqual([
      { ...target, body: null, redacted: true },
      { ...edit, body: null, redacted: true },
      reaction,
      reply,
      del,
    ]);
  });

  it('extends back over what the store read, keeping the newest within the limit', () => {
    const window = new RecentEvents({ perRoom: 4, budgetBytes: 1 << 20 }).open(3);
    const live = message(4);
    append(window, live);
    const read = [1, 2, 3].map((seq) => message(seq));
    expect(window.prepend(0, read).map((e) => JSON.parse(e.json) as RoomEvent)).toEqual(read);
    expect(heldAfter(window, 0)).toEqual([...read, live]);
    const small = new RecentEvents({ perRoom: 2, budgetBytes: 1 << 20 }).open(3);
    append(small, live);
    small.prepend(0, read);
    expect([small.from, small.size]).toEqual([2, 2]);
    expect(heldAfter(small, 2)).toEqual([read[2], live]);
    // Events that do not end where the window starts would leave a hole: sent, not kept.
    const forgotten = new RecentEvents().open(3);
    append(forgotten, live);
    forgotten.forget();
    expect(forgotten.prepend(0, read)).toHaveLength(3);
    expect([forgotten.from, forgotten.size]).toEqual([4, 0]);
    expect(heldAfter(forgotten, 3)).toBeUndefined();
  });

  it('makes the rooms used longest ago forget theirs when all rooms together pass the budget', () => {
    const one = message(1);
    const bytes = encodeEvent(one).length;
    // Two rooms of two events each, and a budget for three events.
    const recent = new RecentEvents({ perRoom: 10, budgetBytes: 3 * (bytes + ENTRY_OVERHEAD) + 10 });
    const a = recent.open(0);
    const b = recent.open(0);
    append(a, one);
    append(a, message(2));
    append(b, message(1, { roomId: randomUUID() }));
    expect([a.size, b.size]).toEqual([2, 1]);
    append(b, message(2, { roomId: randomUUID() }));
    expect([a.size, a.from, b.size]).toEqual([0, 2, 2]);
    expect(heldAfter(a, 1)).toBeUndefined();
    expect(recent.bytes).toBeLessThanOrEqual(recent.limits.budgetBytes);
    b.close();
    a.close();
    expect(recent.bytes).toBe(0);
  });

  it('counts a backfill from a room as a use: a room neither read nor grown since forgets first', () => {
    const one = message(1);
    const recent = new RecentEvents({ perRoom: 10, budgetBytes: 3 * (encodeEvent(one).length + ENTRY_OVERHEAD) + 10 });
    const [a, b, c] = [recent.open(0), recent.open(0), recent.open(0)];
    for (const w of [a, b, c]) append(w, message(1, { roomId: randomUUID() }));
    expect(heldAfter(a, 0)).toHaveLength(1);
    append(c, message(2, { roomId: randomUUID() }));
    expect([a.size, b.size, c.size]).toEqual([1, 0, 2]);
  });
});
