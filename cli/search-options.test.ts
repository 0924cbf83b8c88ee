import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../shared/client/index.js';
import { resolveScope, splitSearchOptions } from './search-options.js';

describe('splitSearchOptions', () => {
  // `/search deploy --room plans` found nothing, and `/search cafe --from carol` searched for "carol".
  it('takes --room, --from and --since out of the query, wherever they stand', () => {
    expect(splitSearchOptions('deploy --room plans')).toEqual({ query: 'deploy', scope: { room: 'plans' } });
    expect(splitSearchOptions('--from @carol cafe "release notes" -staging --since=3d')).toEqual({
      query: 'cafe "release notes" -staging',
      scope: { from: '@carol', since: '3d' },
    });
    expect(splitSearchOptions('a  or   b')).toEqual({ query: 'a or b', scope: {} });
  });

  it('keeps a quoted --word as a word to find', () => {
    expect(splitSearchOptions('"--force" flag')).toEqual({ query: '"--force" flag', scope: {} });
  });

  it('refuses an unknown option, one with no value and one given twice, saying which', () => {
    expect(() => splitSearchOptions('deploy --limit 3')).toThrow(/unknown option "--limit": a search takes --room, --from and --since/);
    expect(() => splitSearchOptions('deploy --room')).toThrow(/--room needs a value/);
    expect(() => splitSearchOptions('deploy --from --room x')).toThrow(/--from needs a value/);
    expect(() => splitSearchOptions('deploy --room a --room b')).toThrow(/--room is given twice/);
  });
});

describe('resolveScope', () => {
  // `chat search x --from ''` searched every sender without a word.
  it('refuses an empty --from or --room before asking the server anything', async () => {
    const api = new Proxy({}, { get: () => () => Promise.reject(new Error('the server was asked')) }) as unknown as ApiClient;
    for (const from of ['', ' ', '@']) {
      await expect(resolveScope(api, 'alice', { from })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^--from needs a user name/) });
    }
    for (const room of ['', '#', '@']) {
      await expect(resolveScope(api, 'alice', { room })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^--room needs a room/) });
    }
  });

  it('takes --from with or without its @', async () => {
    const api = { rooms: async () => [] } as unknown as ApiClient;
    expect((await resolveScope(api, 'alice', { from: '@bob' })).from).toBe('bob');
    expect((await resolveScope(api, 'alice', { from: 'bob' })).from).toBe('bob');
  });
});
