import { PassThrough, Writable } from 'node:stream';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { ChatError } from '../../shared/protocol/index.js';
import type { Room, Summary } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { Output } from '../output.js';
import { run, summaryLines } from './summarize.js';

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

/** A sink that keeps what is written to it, as a terminal of `columns` columns (or no terminal). */
function terminal(columns?: number): Writable & { text: string; isTTY?: boolean; columns?: number } {
  const s = new Writable({
    write(chunk, _enc, done) {
      s.text += String(chunk);
      done();
    },
  }) as Writable & { text: string; isTTY?: boolean; columns?: number };
  s.text = '';
  if (columns !== undefined) Object.assign(s, { isTTY: true, columns });
  return s;
}

const OPEN_ROOM = { id: '00000000-0000-4000-8000-000000000001', name: 'engineering', topic: '', visibility: 'open', headSeq: 9, memberCount: 3, createdAt: '2026-11-30T09:00:00.000Z', role: 'member' } as Room;
const STREAMED =
  'The team agreed to ship the release on Friday after the notes are done; alice takes the deploy and bob reviews the migration.\nOpen question: whether staging needs another pass.';

/**
 * Runs `chat summarize engineering` against a fake API whose server streams `STREAMED` in pieces cut
 * mid-word (or fails with `failure`); answers stdout and stderr.
 */
async function summarizeWith(columns: number | undefined, failure?: ChatError): Promise<{ stdout: string; stderr: string }> {
  const stdout = terminal(columns);
  const stderr = terminal();
  const api = {
    summarize: async (_room: string, _req: unknown, stream?: { onStart?: (p: Summary['provider']) => void; onText: (d: string) => void }) => {
      stream?.onStart?.({ kind: 'openai', model: 'm', baseUrl: 'http://127.0.0.1:9/v1' });
      for (let at = 0; at < STREAMED.length; at += 7) stream?.onText(STREAMED.slice(at, at + 7));
      if (failure) throw failure;
      return { ...summary, text: STREAMED, provider: { kind: 'openai', model: 'm', baseUrl: 'http://127.0.0.1:9/v1' } };
    },
  };
  const ctx = {
    io: { stdout, stderr, stdin: terminal(), env: {}, signal: new AbortController().signal },
    out: new Output(stdout, stderr, false, false),
    signedIn: async () => ({ api, session: { user: { username: 'alice' } } }),
    room: async () => OPEN_ROOM,
    config: {},
    profileName: 'default',
  } as unknown as CliContext;
  await run(ctx, 'engineering', {});
  return { stdout: stdout.text, stderr: stderr.text };
}

describe('chat summarize streaming a model\'s answer', () => {
  // The summary printed whole was wrapped to the terminal; the streamed one ran past its edge, and
  // the terminal broke words there.
  it('wraps the streamed text at word boundaries to the terminal as it comes, words whole', async () => {
    const { stdout } = await summarizeWith(40);
    const streamed = stdout.split('\n\n')[1] ?? '';
    const lines = streamed.split('\n');
    for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(40);
    expect(lines.length).toBeGreaterThan(3);
    // No word cut: the words are the text's, in order, and its own line break is kept.
    expect(streamed.split(/\s+/)).toEqual(STREAMED.split(/\s+/));
    expect(lines).toContain('Open question: whether staging needs');
  });

  it('leaves the streamed text as it comes when the output is no terminal', async () => {
    const { stdout } = await summarizeWith(undefined);
    expect(stdout).toContain(STREAMED);
  });

  // A provider's error was pasted raw into the sentence ("… answered 500 (<html>…)").
  it('says the summary service failed in a plain sentence, then the provider\'s words neutralized and quoted on a line of their own', async () => {
    const failure = new ChatError('provider_failed', 'the AI provider at http://127.0.0.1:9/v1 answered 500 (500 upstream \u001b[31mexploded\u001b[0m (really))');
    const error = await summarizeWith(40, failure).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect((error as ChatError).code).toBe('provider_failed');
    const [sentence, said, ...rest] = (error as ChatError).message.split('\n');
    expect(sentence).toBe('the summary service failed: the AI provider at http://127.0.0.1:9/v1 answered 500.');
    expect(said).toMatch(/^ {2}it said: “500 upstream .*exploded.* \(really\)”$/);
    expect(said).not.toContain('\u001b');
    expect(rest).toEqual([]);
  });

  it('says a provider failure without words of its own in the plain sentence alone', async () => {
    const error = await summarizeWith(40, new ChatError('provider_failed', 'the AI provider at http://127.0.0.1:9/v1 could not be reached')).catch((e: unknown) => e);
    expect((error as ChatError).message).toBe('the summary service failed: the AI provider at http://127.0.0.1:9/v1 could not be reached.');
  });
});
