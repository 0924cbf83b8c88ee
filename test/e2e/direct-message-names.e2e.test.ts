import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, registerUsers, startServer, tempDir } from '../support/binaries.js';

// A direct message is stored as a private room named `dm-…`. Typed by that name (copied from
// `chat rooms --json`, a script, a link), the CLI said "You are already in #dm-…", "Sent to #dm-…",
// "Left #dm-…": the person must only ever see `@` and the other person's name.
describe('direct messages named by the other person in the chat binary', () => {
  let dir: string;
  let server: ServerProcess;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  /** The DM's stored name, as `chat rooms --json` gives it. */
  let dmName: string;

  beforeAll(async () => {
    dir = await tempDir('e2e-dm-names');
    server = await startServer({ dataDir: join(dir, 'data') });
    [alice, bob] = await registerUsers(dir, server.url, ['alice', 'bob'] as const);
    const dm = await chat(alice, ['dm', 'bob']);
    expect(dm.code, dm.stderr).toBe(0);
    const rooms = JSON.parse((await chat(alice, ['--json', 'rooms'])).stdout) as { rooms: { name: string; peer: string | null }[] };
    dmName = rooms.rooms.find((r) => r.peer === 'bob')?.name ?? '';
    expect(dmName).toMatch(/^dm-/);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('says @bob for joining, sending, reacting and reading, however the DM was named', async () => {
    const join = await chat(alice, ['join', dmName]);
    expect(join.code, join.stderr).toBe(0);
    expect(join.stdout).toBe('You are already in @bob.\n');

    const sent = await chat(alice, ['send', dmName, 'hello bob']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^Sent to @bob \(seq (\d+), encrypted\)\.\n$/);
    const seq = /seq (\d+)/.exec(sent.stdout)?.[1] ?? '';

    const reacted = await chat(alice, ['react', dmName, seq, '👍']);
    expect(reacted.code, reacted.stderr).toBe(0);
    expect(reacted.stdout).toBe(`Reacted 👍 to #${seq} in @bob.\n`);
    // `chat react` took only a room's name: `@bob` was "no such room".
    const back = await chat(alice, ['react', '@bob', seq, '👍']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toBe(`Took back 👍 from #${seq} in @bob.\n`);

    const none = await chat(bob, ['read', dmName, '--before', '1']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('@alice has nothing before seq 1.\n');

    for (const r of [join, sent, reacted, back, none]) expect(r.stdout + r.stderr).not.toContain('dm-');
  });

  // The server refuses these since migration 021; the CLI says so without asking, and never names the DM `#dm-…`.
  it('refuses to invite to or kick from a direct message: it is between two people only', async () => {
    for (const args of [['kick', dmName, 'bob'], ['kick', '@bob', 'bob'], ['invite', '@bob'], ['invites', dmName]]) {
      const r = await chat(alice, args);
      expect(r.code, args.join(' ')).toBe(5);
      expect(r.stderr).toBe('chat: direct messages are between two people only: nobody can be invited, added or removed; start a group room instead\n');
    }
  });

  it('says @bob when leaving, and the DM is gone from the rooms', async () => {
    const left = await chat(alice, ['leave', dmName]);
    expect(left.code, left.stderr).toBe(0);
    expect(left.stdout).toBe('Left @bob.\n');
  });
});
