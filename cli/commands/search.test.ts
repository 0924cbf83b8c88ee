import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { CliContext } from '../context.js';
import { Output } from '../output.js';
import { run } from './search.js';

// The query is checked before anything is opened: no context is needed to refuse it.
const search = (words: string[], opts: { room?: string } = {}) => run({} as CliContext, words, opts);

describe('chat search with nothing the index holds', () => {
  // `chat search "🎉"` said "say what to search for": the user had said something.
  it('says an emoji or punctuation query has no searchable words (invalid_request, exit 2)', async () => {
    for (const q of ['🎉', '!!! ?', '🎉🎉 …']) {
      await expect(search([q])).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^the search has no searchable words: emoji, symbols and punctuation alone are not indexed/) });
    }
  });

  it('says a query of only -excluded words needs a word to find, and an empty one what to search for', async () => {
    await expect(search(['-staging'])).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/only -excluded words/) });
    await expect(search(['  '])).rejects.toMatchObject({ message: expect.stringMatching(/^say what to search for/) });
  });
});

// 257–1000 characters gave zod's "q: Too big: expected string…" (exit 2), 10,000 `or`s "the server
// answered 431" (exit 1), and --room with a private room searched this device's index with no limit.
describe('chat search with a query longer than the server takes', () => {
  it('says the search is too long before asking anyone (invalid_request, exit 2), with --room too', async () => {
    const tooLong = { code: 'invalid_request', message: 'the search is too long: at most 256 characters' };
    for (const words of [['a'.repeat(257)], ['deploy', 'x'.repeat(1000)], Array.from({ length: 10_000 }, () => 'or')]) {
      await expect(search(words)).rejects.toMatchObject(tooLong);
      await expect(search(words, { room: 'secrets' })).rejects.toMatchObject(tooLong);
    }
  });
});

// `chat search friday --from carol` with no hits said `No messages match "friday".` (no --from), and
// `chat search '"--force"'` said `No messages match "\"--force\"".` (JSON-escaped).
describe('chat search with no hits', () => {
  const general = { id: '00000000-0000-4000-8000-000000000001', name: 'general', topic: '', visibility: 'open', headSeq: 0, memberCount: 2, createdAt: '', role: 'member' };
  const said = async (words: string[], opts: { room?: string; from?: string; since?: string } = {}): Promise<string> => {
    let text = '';
    const stdout = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    });
    const api = { rooms: async () => [general], room: async () => general, search: async () => ({ hits: [] }) };
    const ctx = { out: new Output(stdout, new Writable({ write: (_c, _e, cb) => cb() }), false, false), signedIn: async () => ({ api, session: { user: { username: 'alice' } } }) } as unknown as CliContext;
    await run(ctx, words, opts);
    return text;
  };

  it('names every filter it ran under: --room, --from and --since', async () => {
    expect(await said(['friday'], { from: 'carol' })).toBe('No messages match "friday" from @carol.\n');
    expect(await said(['friday'], { from: '@carol', since: '3d', room: '#general' })).toBe('No messages match "friday" in #general from @carol since 3d.\n');
  });

  it('shows the query as typed, in plain quotes, neutralized', async () => {
    expect(await said(['"--force"'])).toBe('No messages match ""--force"".\n');
    expect(await said(['deploy\u001b[31m'])).toBe('No messages match "deploy^[[31m".\n');
  });
});
