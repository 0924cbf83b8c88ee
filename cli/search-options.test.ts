import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../shared/client/index.js';
import { resolveScope } from './search-options.js';

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
