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

  it('quotes the message a reply answers, and shows a message of an unknown relation type plainly', () => {
    const { messages } = applyRelations([ev(1, alice, 'question'), ev(2, bob, 'answer', { type: 'reply', seq: 1 }), ev(3, bob, 'from the future', { type: 'thread', seq: 1 })], alice.id, body);
    expect(messages[1]?.replyTo).toMatchObject({ seq: 1, sender: 'alice', text: 'question' });
    expect(messages[2]).toMatchObject({ text: 'from the future', unknownRelation: 'thread' });
  });
});
