import { describe, expect, it } from 'vitest';
import { ChatError, DM_PREFIX } from '../../shared/protocol/index.js';
import type { Room } from '../../shared/protocol/index.js';
import { isReusedId } from './send.js';

const room = (name: string, visibility: Room['visibility'], memberCount: number): Room => ({
  id: '00000000-0000-4000-8000-0000000000a1',
  name,
  topic: '',
  visibility,
  headSeq: 3,
  memberCount,
  createdAt: '2026-11-30T10:00:00.000Z',
  role: 'member',
});

describe('chat send --id: which conflict is a reused id', () => {
  const conflict = new ChatError('conflict', 'refused');

  // `chat send --id X @bob` after bob left said "this --id was already used for a different message":
  // the refusal of a direct message the other person left is a conflict too.
  it('passes on the refusal of a direct message whose other person has left', () => {
    expect(isReusedId(conflict, room(`${DM_PREFIX}0123456789abcdef`, 'private', 1))).toBe(false);
  });

  it('reads a conflict in a room of two or more, or before the room was known, as a reused id; nothing else', () => {
    expect(isReusedId(conflict, room(`${DM_PREFIX}0123456789abcdef`, 'private', 2))).toBe(true);
    expect(isReusedId(conflict, room('plans', 'private', 1))).toBe(true);
    expect(isReusedId(conflict, undefined)).toBe(true);
    expect(isReusedId(new ChatError('forbidden', 'no'), room('plans', 'open', 3))).toBe(false);
  });
});
