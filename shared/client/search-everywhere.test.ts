import { describe, expect, it } from 'vitest';
import type { Room } from '../protocol/index.js';
import { SEARCH_QUERY_MAX } from '../protocol/index.js';
import type { SearchSources } from './search-everywhere.js';
import { searchEverywhere } from './search-everywhere.js';

const room = (n: number, visibility: Room['visibility']): Room => ({
  id: `00000000-0000-4000-8000-00000000000${n}`, name: `room${n}`, topic: '', visibility, headSeq: 0, memberCount: 2, createdAt: '2026-11-30T09:00:00.000Z', role: 'member',
});

// A private room's search ran on this device's index with no limit (10,000 `or`s took seconds), and
// an open room's went to the server, which refused it in zod's words or with a 431.
describe('searchEverywhere and a query longer than the server takes', () => {
  it('refuses it before asking the server or opening the private index, for open and private rooms alike', async () => {
    const asked: string[] = [];
    const src = {
      api: { search: async () => (asked.push('server'), { hits: [], hasMore: false }) },
      e2e: async () => (asked.push('keys'), {}),
      privateIndex: async () => (asked.push('index'), { update: async () => [] }),
    } as unknown as SearchSources;
    for (const q of ['a'.repeat(SEARCH_QUERY_MAX + 1), Array.from({ length: 10_000 }, () => 'or').join(' ')]) {
      await expect(searchEverywhere(src, q, { rooms: [room(1, 'open'), room(2, 'private')], limit: 20 })).rejects.toMatchObject({
        code: 'invalid_request',
        message: `the search is too long: at most ${SEARCH_QUERY_MAX} characters`,
      });
    }
    expect(asked).toEqual([]);
    // As long as the server takes, it goes on.
    await searchEverywhere(src, ` ${'a'.repeat(SEARCH_QUERY_MAX)} `, { rooms: [room(1, 'open')], limit: 20 });
    expect(asked).toEqual(['server']);
  });
});
