import { PassThrough } from 'node:stream';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../shared/protocol/index.js';
import { Output } from '../output.js';
import { summaryLines } from './summarize.js';

const out = new Output(new PassThrough(), new PassThrough(), false, false);
const summary: Summary = {
  type: 'general',
  text: '42 messages from alice, bob and carol, 2026-11-01 10:00 to 12:30, mostly about deploy and release notes.',
  topics: ['deploy', 'release notes', 'staging'],
  participants: [{ username: 'alice', messages: 30, words: 300, share: 0.7, mainPoints: ['the deploy goes out on Friday after the release notes are done'], topics: ['deploy', 'release notes', 'staging servers'] }],
  range: { messages: 42, from: '2026-11-01T10:00:00.000Z', to: '2026-11-01T12:30:00.000Z' },
  provider: { kind: 'offline' },
  chunks: 1,
  usage: null,
};

describe('chat summarize in a narrow terminal', () => {
  // The header, the "N messages from…" line and the participant line ran past the width and the
  // terminal broke them mid-word; only the quotes were fitted.
  it('wraps every line at word boundaries to the columns', () => {
    for (const columns of [45, 60, 70]) {
      const lines = summaryLines(out, '#engineering', summary, false, columns, true).flatMap((l) => l.split('\n'));
      for (const line of lines) expect(stringWidth(line), `${columns}: ${line}`).toBeLessThanOrEqual(columns);
      const words = lines.join(' ').split(/\s+/);
      expect(words).toContain('offline');
      expect(words).toContain('extractive');
      expect(words).toContain('messages');
    }
  });

  it('leaves the lines whole when the output is no terminal', () => {
    const lines = summaryLines(out, '#engineering', summary, false, 100, false);
    expect(lines).toContain(summary.text);
  });
});
