import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../shared/protocol/index.js';
import { deleteRefusal } from './relations.js';

const ROOM = '00000000-0000-4000-8000-00000000000a';
const BOB = { id: '00000000-0000-4000-8000-0000000000b0', username: 'bob' };
const idOf = (seq: number) => `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
const event = (seq: number, relation?: { type: string; seq: number }, kind: RoomEvent['kind'] = 'message'): RoomEvent => ({
  id: idOf(seq),
  roomId: ROOM,
  seq,
  kind,
  sender: BOB,
  body: 'x',
  envelope: null,
  target: null,
  clientMsgId: idOf(seq + 1000),
  createdAt: '2026-11-25T10:00:00.000Z',
  relation: relation ? { type: relation.type, eventId: idOf(relation.seq), seq: relation.seq } : null,
});

describe('chat delete refuses what is not a message', () => {
  it('refuses a reaction, naming its sender and how to take one back', () => {
    const refusal = deleteRefusal(event(7, { type: 'reaction', seq: 6 }), 'plans', 7);
    expect(refusal?.code).toBe('invalid_request');
    expect(refusal?.message).toBe('#7 is a reaction by bob, not a message; take your own reaction back with `chat react plans 6 <emoji>`');
  });

  it('refuses an edit and a delete event, and answers not_found for a membership event or no event', () => {
    expect(deleteRefusal(event(8, { type: 'edit', seq: 6 }), 'plans', 8)?.message).toContain('#8 is an edit of message #6');
    expect(deleteRefusal(event(9, { type: 'delete', seq: 6 }), 'plans', 9)?.code).toBe('invalid_request');
    expect(deleteRefusal(event(1, undefined, 'join'), 'plans', 1)?.code).toBe('not_found');
    expect(deleteRefusal(undefined, 'plans', 99)?.code).toBe('not_found');
  });

  it('lets a message and a reply through', () => {
    expect(deleteRefusal(event(6), 'plans', 6)).toBeNull();
    expect(deleteRefusal(event(10, { type: 'reply', seq: 6 }), 'plans', 10)).toBeNull();
  });
});
