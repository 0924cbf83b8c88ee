import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from '../output.js';
import type { ListedRoom } from './rooms.js';
import { listedRooms, roomLines } from './rooms.js';

const room = (n: number, name: string, visibility: 'open' | 'private', memberCount: number, peer: string | null = null, role: 'owner' | 'member' = 'member'): ListedRoom => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name,
  topic: '',
  visibility,
  headSeq: 0,
  memberCount,
  createdAt: '2026-11-30T09:00:00.000Z',
  role,
  peer,
  private: visibility === 'private',
  dm: name.startsWith('dm-'),
});
const out = new Output(new PassThrough(), new PassThrough(), false, false);

describe('chat rooms', () => {
  // `#plans 2 members` did not say plans was private; the TUI marks it with ⚿.
  it('marks a private room with the TUI\'s mark in place of "#", an open room with "#", a DM by its peer', () => {
    const lines = roomLines(out, [room(1, 'general', 'open', 3), room(2, 'plans', 'private', 2), room(3, 'dm-a-b', 'private', 2, 'dana')], false);
    expect(lines).toEqual(['#general 3 members', '⚿ plans  2 members', '@dana    2 members']);
  });

  it('says in --json whether each room is private', () => {
    const [general, plans, dm] = [room(1, 'general', 'open', 3), room(2, 'plans', 'private', 2), room(3, 'dm-a-b', 'private', 2)];
    const listed = listedRooms([general, plans, dm], new Map([[dm.id, 'dana']]));
    expect(listed.map((r) => [r.name, r.private, r.peer])).toEqual([['general', false, null], ['plans', true, null], ['dm-a-b', true, 'dana']]);
  });

  // A DM you opened is recorded with you as its owner; "owner" there meant nothing to a user.
  it('shows a direct message you opened with no role, by the other person, in the text and in --json (role null, dm true)', () => {
    const [mine, dm] = [room(1, 'mine', 'open', 1, null, 'owner'), room(2, 'dm-0123456789abcdef', 'private', 2, null, 'owner')];
    const listed = listedRooms([mine, dm], new Map([[dm.id, 'dana']]));
    expect(listed.map((r) => [r.name, r.role, r.dm, r.peer])).toEqual([['mine', 'owner', false, null], ['dm-0123456789abcdef', null, true, 'dana']]);
    expect(roomLines(out, listed, false)).toEqual(['#mine 1 member    owner', '@dana 2 members']);
  });
});
