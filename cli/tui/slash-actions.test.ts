import { describe, expect, it, vi } from 'vitest';
import type { Member, Room } from '../../shared/protocol/index.js';
import { runSlash } from './slash-actions.js';
import type { SlashEffects } from './slash-actions.js';
import { completeSlash, helpText, offeredCommands } from './state/slash-commands.js';

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

// A DM is stored as `dm-…`; the status line said "left #dm-0123…", "#dm-0123… has no topic".
describe('a direct message in the status line', () => {
  const dm = room('dm-0123456789abcdef', 'private');
  const named = (api: Record<string, unknown>): SlashEffects =>
    ({ api, room: dm, title: (r: Room) => (r.id === dm.id ? '@dana' : `#${r.name}`), refreshRooms: async () => [], select: () => undefined }) as unknown as SlashEffects;

  it('is named by the other person, never by its stored name', async () => {
    const api = { leave: vi.fn(async () => ({ room: dm, event: null })), setTopic: vi.fn() };
    expect(await runSlash('topic', [], '', named(api))).toBe('@dana has no topic');
    expect(await runSlash('leave', [], '', named(api))).toBe('left @dana');
  });

  // The server refuses both since migration 021 (`forbidden`); the TUI says why without asking it.
  it('refuses /invite and /kick at once: a direct message is between two people only', async () => {
    const api = { createInvite: vi.fn(), kick: vi.fn() };
    await expect(runSlash('invite', [], '', named(api))).rejects.toThrow(/^a direct message is between two people only/);
    await expect(runSlash('kick', ['dana'], 'dana', named(api))).rejects.toThrow(/^a direct message is between two people only/);
    expect(api.createInvite).not.toHaveBeenCalled();
    expect(api.kick).not.toHaveBeenCalled();
  });
});

describe('slash commands offered in a direct message', () => {
  it('leaves out /invite and /kick from Tab, the suggestion line and /help there, and says why', () => {
    expect(completeSlash('/', offeredCommands(true).map((c) => c.name))).not.toContain('/kick ');
    expect(completeSlash('/in', offeredCommands(true).map((c) => c.name))).toEqual([]);
    expect(completeSlash('/in', offeredCommands(false).map((c) => c.name))).toEqual(['/invite ']);
    expect(helpText(true)).not.toMatch(/^ {2}\/(invite|kick)\b/m);
    expect(helpText(true)).toContain('a direct message is between two people only');
    expect(helpText(false)).toMatch(/^ {2}\/kick <user>/m);
  });
});

// `/dm @carol` said `there is no user "@carol"`, and `/join #general` (what Tab fills in) `there is
// no room "#general"`: a user is `carol` or `@carol`, a room `general` or `#general`.
describe('@user and #room in slash commands', () => {
  const general = room('general', 'open');
  const fx = () => {
    const api = {
      directMessage: vi.fn(async () => ({ room: general, created: false })),
      kick: vi.fn(async () => ({ room: general, event: null })),
      join: vi.fn(async () => ({ room: general, event: null })),
      createRoom: vi.fn(async () => ({ room: general })),
    };
    const e2e = { safetyNumberWith: vi.fn(async () => ({ number: '1 2', verified: false, changed: false, userId: 'c', keys: [] })) };
    const effects = { api, e2e, room: general, title: (r: Room) => `#${r.name}`, refreshRooms: async () => [], select: () => undefined } as unknown as SlashEffects;
    return { api, e2e, effects };
  };

  it('reads @carol as carol in /dm, /kick and /verify', async () => {
    const { api, e2e, effects } = fx();
    expect(await runSlash('dm', ['@carol'], '@carol', effects)).toBe('direct messages with carol');
    expect(api.directMessage).toHaveBeenCalledWith('carol');
    expect(await runSlash('kick', ['@carol'], '@carol', effects)).toBe('removed carol from #general');
    expect(api.kick).toHaveBeenCalledWith(general.id, 'carol');
    expect(await runSlash('verify', ['@carol'], '@carol', effects)).toMatch(/^safety number with carol: /);
    expect(e2e.safetyNumberWith).toHaveBeenCalledWith('carol');
  });

  it('reads #general as general in /join and /create, and @carol in /join as the DM with carol', async () => {
    const { api, effects } = fx();
    expect(await runSlash('join', ['#general'], '#general', effects)).toBe('joined #general');
    expect(api.join).toHaveBeenCalledWith('general');
    await runSlash('create', ['#plans'], '#plans', effects);
    expect(api.createRoom).toHaveBeenCalledWith({ name: 'plans', visibility: 'open' });
    await runSlash('join', ['@carol'], '@carol', effects);
    expect(api.directMessage).toHaveBeenCalledWith('carol');
    expect(api.join).toHaveBeenCalledTimes(1);
  });
});
