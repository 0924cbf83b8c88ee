import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../context.js';
import { Output } from '../output.js';
import { run } from './invite.js';

const URL = 'http://127.0.0.1:8787/invite/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde';

/** A sink that keeps what is written to it. */
function sink(): Writable & { text: string } {
  const s = new Writable({
    write(chunk, _enc, done) {
      s.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  s.text = '';
  return s;
}

/** Runs `chat invite plans --uses 1` against a fake API; returns what went to stdout and stderr. */
async function invite(json: boolean): Promise<{ stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const created = { url: URL, invite: { maxUses: 1, expiresAt: '2026-12-01T10:00:00.000Z' } };
  const ctx = {
    out: new Output(stdout, stderr, json, false),
    signedIn: async () => ({ api: { createInvite: async () => created }, session: {} }),
    room: async () => ({ id: 'room-1' }),
  } as unknown as CliContext;
  await run(ctx, 'plans', { uses: 1 });
  return { stdout: stdout.text, stderr: stderr.text };
}

describe('chat invite', () => {
  it('prints exactly the link on stdout, so L=$(chat invite …) holds a link; the note goes to stderr', async () => {
    const { stdout, stderr } = await invite(false);
    expect(stdout).toBe(`${URL}\n`);
    expect(stderr).toMatch(/^Admits 1 person until .*They run: chat join http/);
  });

  it('with --json prints only the JSON document', async () => {
    const { stdout, stderr } = await invite(true);
    expect(JSON.parse(stdout)).toMatchObject({ url: URL });
    expect(stderr).toBe('');
  });
});
