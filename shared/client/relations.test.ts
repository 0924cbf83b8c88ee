import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../protocol/index.js';
import { applyRelations } from './relations.js';

const ROOM = '00000000-0000-4000-8000-000000000000';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const alice = { id: id(901), username: 'alice' };
const bob = { id: id(902), username: 'bob' };
function ev(seq: number, sender: typeof alice, body: string | null, relation?: { type: string; seq: number }): RoomEvent {
  return {
    id: id(seq),
    roomId: ROOM,
    seq,
    kind: 'message',
    sender,
    body,
    envelope: null,
    target: null,
    clientMsgId: id(seq + 500),
    createdAt: '2026-11-29T10:00:00.000Z',
    relation: relation ? { type: relation.type, eventId: id(relation.seq), seq: relation.seq } : null,
  };
}
const body = (e: RoomEvent) => e.body;

describe('applyRelations', () => {
  it('shows the latest edit by the author, ignores an edit by someone else, and marks it edited', () => {
    const { messages } = applyRelations([ev(1, alice, 'helo'), ev(2, bob, 'forged', { type: 'edit', seq: 1 }), ev(3, alice, 'hello', { type: 'edit', seq: 1 })], alice.id, body);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ text: 'hello', edited: true, deleted: false });
    const forgedOnly = applyRelations([ev(1, alice, 'helo'), ev(2, bob, 'forged', { type: 'edit', seq: 1 })], alice.id, body);
    expect(forgedOnly.messages[0]).toMatchObject({ text: 'helo', edited: false });
  });

  it('counts reactions once per user and key, drops deleted ones, and leaves a tombstone for a deleted message', () => {
    const { messages } = applyRelations(
      [ev(1, alice, 'hi'), ev(2, bob, '👍', { type: 'reaction', seq: 1 }), ev(3, alice, '👍', { type: 'reaction', seq: 1 }), ev(4, bob, '🎉', { type: 'reaction', seq: 1 }), ev(5, bob, null, { type: 'delete', seq: 4 }), ev(6, alice, 'bye'), ev(7, alice, null, { type: 'delete', seq: 6 })],
      alice.id,
      body,
    );
    expect(messages.map((m) => [m.event.seq, m.text, m.deleted])).toEqual([
      [1, 'hi', false],
      [6, null, true],
    ]);
    expect(messages[0]?.reactions).toEqual([{ key: '👍', count: 2, mineSeq: 3, senders: ['bob', 'alice'] }]);
  });

  // The CLI showed a deleted message's reactions under its tombstone, the web none: one rule, here.
  it('gives a deleted message no reactions, whoever gave them and whenever', () => {
    const { messages } = applyRelations(
      [ev(1, alice, 'hi'), ev(2, bob, '👍', { type: 'reaction', seq: 1 }), ev(3, alice, null, { type: 'delete', seq: 1 }), ev(4, alice, '🎉', { type: 'reaction', seq: 1 })],
      alice.id,
      body,
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ deleted: true, text: null, reactions: [] });
  });

  it('quotes the message a reply answers, and shows a message of an unknown relation type plainly', () => {
    const { messages } = applyRelations([ev(1, alice, 'question'), ev(2, bob, 'answer', { type: 'reply', seq: 1 }), ev(3, bob, 'from the future', { type: 'thread', seq: 1 })], alice.id, body);
    expect(messages[1]?.replyTo).toMatchObject({ seq: 1, sender: 'alice', text: 'question' });
    expect(messages[2]).toMatchObject({ text: 'from the future', unknownRelation: 'thread' });
  });
});

describe('applyRelations with this user\'s pending relations', () => {
  const pending = (n: number, text: string, relation: { type: 'edit' | 'reaction' | 'reply' | 'delete'; seq: number }, status: 'queued' | 'failed' = 'queued') => ({
    clientMsgId: id(700 + n),
    roomId: ROOM,
    text,
    private: false,
    queuedAt: n,
    status,
    relation: { type: relation.type, eventId: id(relation.seq), seq: relation.seq },
    ...(status === 'failed' ? { error: { code: 'conflict' as const, message: 'message 1 was deleted' } } : {}),
  });

  it('shows a pending edit\'s text, a pending delete, and pending reaction chips (given and taken back) on their messages', () => {
    const events = [ev(1, alice, 'helo'), ev(2, bob, 'hi'), ev(3, alice, '👍', { type: 'reaction', seq: 2 }), ev(4, bob, '👍', { type: 'reaction', seq: 2 }), ev(5, bob, 'third')];
    const { byId, folded } = applyRelations(events, alice.id, body, [
      pending(1, 'hello', { type: 'edit', seq: 1 }),
      pending(2, '🎉', { type: 'reaction', seq: 2 }),
      pending(3, '', { type: 'delete', seq: 3 }),
      pending(4, '', { type: 'delete', seq: 5 }),
      pending(5, 'an answer', { type: 'reply', seq: 1 }),
      pending(6, 'too late', { type: 'edit', seq: 1 }, 'failed'),
      pending(7, '👀', { type: 'reaction', seq: 99 }),
    ]);
    expect(byId.get(id(1))).toMatchObject({ text: 'helo', pendingText: 'hello' });
    expect(byId.get(id(2))?.reactions).toEqual([
      { key: '👍', count: 1, mineSeq: null, senders: ['alice', 'bob'], pending: true },
      { key: '🎉', count: 1, mineSeq: null, senders: [], pending: true },
    ]);
    expect(byId.get(id(5))).toMatchObject({ pendingDelete: true, deleted: false });
    // Replies, failed relations and those whose target is not loaded are shown apart.
    expect([...folded]).toEqual([id(701), id(702), id(703), id(704)]);
  });

  it('changes nothing without pending relations', () => {
    const events = [ev(1, alice, 'helo')];
    expect(applyRelations(events, alice.id, body, []).byId.get(id(1))).toEqual(applyRelations(events, alice.id, body).byId.get(id(1)));
  });
});

describe('applyRelations: the source of a reply quote', () => {
  // A quote whose loaded target did not open said "message not loaded" while the target said why.
  it('names the event its text comes from (the target, or its latest edit) when that is loaded, so a client can label a text that did not open', () => {
    const events = [ev(1, alice, 'closed'), ev(2, bob, 'yes', { type: 'reply', seq: 1 }), ev(3, alice, 'original'), ev(4, alice, 'edit', { type: 'edit', seq: 3 }), ev(5, bob, 'ok', { type: 'reply', seq: 3 })];
    const { byId } = applyRelations(events, bob.id, (e) => (e.body === 'closed' || e.body === 'edit' ? null : e.body));
    expect(byId.get(id(2))?.replyTo).toMatchObject({ text: null, source: id(1) });
    expect(byId.get(id(5))?.replyTo).toMatchObject({ text: null, source: id(4) });
    const outside = applyRelations([ev(7, bob, 'late', { type: 'reply', seq: 6 })], bob.id, body);
    expect(outside.byId.get(id(7))?.replyTo?.source).toBeUndefined();
  });
  it('a quote fetched from outside the loaded events shows its author\'s latest edit and, once a delete of it arrives, no text', () => {
    const target = ev(1, alice, 'secret plan');
    const quoted = new Map([[target.id, target]]);
    const reply = ev(50, bob, 'agreed', { type: 'reply', seq: 1 });
    const before = applyRelations([reply], alice.id, body, [], quoted);
    expect(before.messages[0]?.replyTo).toMatchObject({ text: 'secret plan', deleted: false });
    // An edit fetched with the target (kept in `quoted` by its own id), and a forged one by someone else.
    const edit = ev(10, alice, 'public plan', { type: 'edit', seq: 1 });
    const forged = ev(11, bob, 'forged', { type: 'edit', seq: 1 });
    const withEdit = applyRelations([reply], alice.id, body, [], new Map([...quoted, [edit.id, edit], [forged.id, forged]]));
    expect(withEdit.messages[0]?.replyTo).toMatchObject({ text: 'public plan', deleted: false, source: edit.id });
    // A live edit in the loaded events counts too.
    const live = ev(51, alice, 'live plan', { type: 'edit', seq: 1 });
    expect(applyRelations([reply, live], alice.id, body, [], quoted).messages[0]?.replyTo).toMatchObject({ text: 'live plan' });
    // A live delete of the target: the quote says deleted and has no text.
    const del = ev(52, alice, null, { type: 'delete', seq: 1 });
    const after = applyRelations([reply, live, del], alice.id, body, [], quoted);
    expect(after.messages[0]?.replyTo).toMatchObject({ text: null, deleted: true });
    expect(after.messages[0]?.replyTo?.source).toBeUndefined();
  });
});
