import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from '../output.js';
import type { ListedRoom } from './rooms.js';
import { listedRooms, roomLines } from './rooms.js';

const room = (n: number, name: string, visibility: 'open' | 'private', memberCount: number, peer: string | null = null): ListedRoom => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name,
  topic: '',
  visibility,
  headSeq: 0,
  memberCount,
  createdAt: '2026-11-30T09:00:00.000Z',
  role: 'member',
  peer,
  private: visibility === 'private',
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
});
