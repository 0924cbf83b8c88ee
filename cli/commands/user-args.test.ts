import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { CliContext } from '../context.js';
import { Output } from '../output.js';
import { run as dm } from './dm.js';
import { run as kick } from './kick.js';
import { run as verify } from './verify.js';

// A user argument written `@carol` reached the server as "@carol" ("there is no user \"@carol\"");
// `@carol` and `carol` are the same user, as `#general` and `general` are the same room.

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

const GENERAL = { id: 'room-1', name: 'general', topic: '', visibility: 'open', headSeq: 0, memberCount: 2, createdAt: '', role: 'owner' };

/** A context whose API and E2E session answer only for the user "carol", as the server does. */
function context() {
  const stdout = sink();
  const only = (user: string) => {
    if (user !== 'carol') throw new Error(`there is no user "${user}"`);
  };
  const api = {
    directMessage: vi.fn(async (user: string) => (only(user), { room: GENERAL, created: true })),
    kick: vi.fn(async (_room: string, user: string) => (only(user), { room: GENERAL, event: null })),
  };
  const e2e = { safetyNumberWith: vi.fn(async (user: string) => (only(user), { number: '12345 67890', verified: false, changed: false, userId: 'c', keys: [] })) };
  const ctx = {
    out: new Output(stdout, sink(), false, false),
    signedIn: async () => ({ api, session: { user: { username: 'alice' } } }),
    e2e: async () => e2e,
    room: async () => GENERAL,
  } as unknown as CliContext;
  return { ctx, api, e2e, stdout };
}

describe('a user argument written @user', () => {
  it('chat dm @carol opens the direct messages with carol', async () => {
    const { ctx, api, stdout } = context();
    await dm(ctx, '@carol');
    expect(api.directMessage).toHaveBeenCalledWith('carol');
    expect(stdout.text).toContain('direct messages with @carol.');
    expect(stdout.text).not.toContain('@@');
  });

  it('chat kick general @carol removes carol', async () => {
    const { ctx, api, stdout } = context();
    await kick(ctx, 'general', '@carol');
    expect(api.kick).toHaveBeenCalledWith('room-1', 'carol');
    expect(stdout.text).toBe('Removed carol from #general.\n');
  });

  it('chat verify @carol shows the safety number with carol', async () => {
    const { ctx, e2e, stdout } = context();
    await verify(ctx, '@carol', {});
    expect(e2e.safetyNumberWith).toHaveBeenCalledWith('carol');
    expect(stdout.text).toContain('Safety number with carol:');
  });
});
