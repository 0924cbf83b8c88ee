import { describe, expect, it } from 'vitest';
import type { CliContext } from '../context.js';
import { run } from './search.js';

// The query is checked before anything is opened: no context is needed to refuse it.
const search = (words: string[]) => run({} as CliContext, words, {});

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
