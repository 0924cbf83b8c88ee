import { describe, expect, it } from 'vitest';
import type { Member, Room } from '../../shared/protocol/index.js';
import { runSlash } from './slash-actions.js';
import type { SlashEffects } from './slash-actions.js';

const room = (name: string, visibility: 'open' | 'private'): Room => ({
  id: '00000000-0000-4000-8000-000000000001',
  name,
  topic: '',
  visibility,
  headSeq: 0,
  memberCount: 2,
  createdAt: '2026-11-30T09:00:00.000Z',
  role: 'owner',
});
const members: Member[] = [
  { user: { id: 'a', username: 'alice' }, role: 'owner', joinedAt: '', online: true, lastSeenAt: null },
  { user: { id: 'd', username: 'dana' }, role: 'member', joinedAt: '', online: false, lastSeenAt: null },
];
const effects = (current: Room): SlashEffects => ({ api: { members: async () => members }, room: current }) as unknown as SlashEffects;

describe('/members', () => {
  it('marks the owner of a room', async () => {
    expect(await runSlash('members', [], '', effects(room('plans', 'private')))).toBe('● alice (owner)  ○ dana');
  });

  // The server records who opened a DM as its owner; nobody owns a DM in its two people's eyes.
  it('marks no owner in a direct message', async () => {
    expect(await runSlash('members', [], '', effects(room('dm-0123456789abcdef', 'private')))).toBe('● alice  ○ dana');
  });
});

describe('/search', () => {
  it('says an emoji-only query has no searchable words, and opens no search', async () => {
    const opened: string[] = [];
    const fx = { ...effects(room('plans', 'open')), openSearch: (q: string) => opened.push(q) } as unknown as SlashEffects;
    await expect(runSlash('search', ['🎉'], '🎉', fx)).rejects.toThrow(/no searchable words: emoji, symbols and punctuation alone are not indexed/);
    expect(await runSlash('search', ['deploy'], 'deploy', fx)).toBe('searching…');
    expect(opened).toEqual(['deploy']);
  });

  it('says a query longer than the server takes is too long, with --room too, and opens no search', async () => {
    const opened: string[] = [];
    const fx = { ...effects(room('plans', 'open')), openSearch: (q: string) => opened.push(q) } as unknown as SlashEffects;
    for (const rest of ['a'.repeat(257), `${'a'.repeat(257)} --room secrets`, Array.from({ length: 10_000 }, () => 'or').join(' ')]) {
      await expect(runSlash('search', rest.split(' '), rest, fx)).rejects.toThrow(/^the search is too long: at most 256 characters \(\/search/);
    }
    expect(opened).toEqual([]);
  });
});
