import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, registerUsers } from '../support/binaries.js';
import { haveTmux, terminals } from '../support/tmux.js';

// Message actions in a real terminal (tmux): Alice selects messages in her TUI and edits, reacts,
// replies and deletes; Bob's TUI shows each live, and `chat read` shows what the server keeps, in an
// open and a private room.
const { start, type, press, see, enter, close } = terminals('chat-e2e-actions');
const pause = (ms = 300) => new Promise((r) => setTimeout(r, ms));

interface ReadView {
  readonly kind: string;
  readonly seq: number;
  readonly text?: string | null;
  readonly edited?: boolean;
  readonly deleted?: boolean;
  readonly reactions?: readonly { key: string; count: number }[];
  readonly replyTo?: { seq: number } | null;
}

describe.runIf(haveTmux)('message actions in the TUI, seen by another client', () => {
  let server: ServerProcess;
  let alice: Record<string, string>;
  let bob: Record<string, string>;

  /** What Bob's `chat read --json` shows of the room's messages (relations applied). */
  const bobReads = async (room: string) => {
    const r = await chat(bob, ['--json', 'read', room, '--limit', '50', '--no-mark-read']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { events: ReadView[] }).events.filter((e) => e.kind === 'message' && 'text' in e);
  };

  beforeAll(async () => {
    const dir = await tempDir('tui-actions');
    server = await startServer({ dataDir: join(dir, 'data') });
    [alice, bob] = await registerUsers(dir, server.url, ['alice', 'bob'], 'correct horse battery\n');
    expect((await chat(alice, ['create', 'general'])).code).toBe(0);
    expect((await chat(bob, ['join', 'general'])).code).toBe(0);
    expect((await chat(alice, ['create', 'secret', '--private'])).code).toBe(0);
    const link = JSON.parse((await chat(alice, ['--json', 'invite', 'secret'])).stdout) as { url: string };
    expect((await chat(bob, ['join', link.url])).code).toBe(0);
    for (const room of ['general', 'secret']) {
      expect((await chat(bob, ['send', room, `bob asks in ${room}`])).code).toBe(0);
      expect((await chat(alice, ['send', room, `helo from ${room}`])).code).toBe(0);
    }
    start('alice', alice);
    start('bob', bob);
    for (const name of ['alice', 'bob']) await see(name, (s) => s.includes('● connected'), `${name} connected`, 60_000);
  }, 300_000);

  afterAll(async () => {
    if (haveTmux) close();
    await server?.stop();
  });

  for (const [room, title] of [['general', /#general/], ['secret', /⚿ secret/]] as const) {
    it(`edits, reacts, replies and deletes in ${room}, and Bob sees each live`, async () => {
      await enter('alice', title);
      await enter('bob', title);
      await see('alice', (s) => s.includes(`alice: helo from ${room}`), 'the history (opened)');
      await see('bob', (s) => s.includes(`alice: helo from ${room}`), "Bob's history (opened)");

      // Edit: Ctrl+↑ selects the newest (Alice's), e loads it, Ctrl+U clears, Enter saves.
      press('alice', 'C-Up');
      await see('alice', (s) => /▶ .*alice: helo from/.test(s), 'her message selected');
      type('alice', 'e');
      await see('alice', (s) => s.includes('editing your message'), 'the edit banner');
      press('alice', 'C-u');
      type('alice', `hello from ${room}`);
      press('alice', 'Enter');
      await see('bob', (s) => s.includes(`alice: hello from ${room} (edited)`) && !s.includes('helo from'), 'the edit on Bob\'s screen');

      // React: ↑ to Bob's message, + then 1 (👍).
      press('alice', 'C-Up');
      await pause();
      press('alice', 'Up');
      await see('alice', (s) => /▶ .*bob: bob asks/.test(s), "Bob's message selected");
      type('alice', '+');
      await see('alice', (s) => s.includes('1 👍'), 'the reaction prompt');
      type('alice', '1');
      await see('bob', (s) => s.includes('👍 1'), 'the reaction on Bob\'s screen');

      // Reply to Bob's message.
      press('alice', 'C-Up');
      await pause();
      press('alice', 'Up');
      await see('alice', (s) => /▶ .*bob: bob asks/.test(s), "Bob's message selected again");
      type('alice', 'r');
      await see('alice', (s) => s.includes(`replying to bob: bob asks in ${room}`), 'the reply banner');
      type('alice', 'an answer');
      press('alice', 'Enter');
      await see('bob', (s) => {
        const lines = s.split('\n');
        const at = lines.findIndex((l) => l.includes('alice: an answer'));
        return at > 0 && (lines[at - 1] ?? '').includes(`┌ bob: bob asks in ${room}`);
      }, 'the reply with its quote on Bob\'s screen');

      // Delete a message typed here, after y.
      type('alice', 'a secret slip 4711');
      press('alice', 'Enter');
      await see('bob', (s) => s.includes('alice: a secret slip 4711'), 'the slip on Bob\'s screen');
      press('alice', 'C-Up');
      await see('alice', (s) => /▶ .*alice: a secret slip/.test(s), 'the slip selected');
      type('alice', 'd');
      await see('alice', (s) => s.includes('for everyone? y/n'), 'the question');
      type('alice', 'y');
      await see('bob', (s) => !s.includes('4711') && s.includes('alice: message deleted'), 'the slip gone from Bob\'s screen');

      const views = await bobReads(room);
      const texts = views.map((v) => [v.text ?? null, Boolean(v.edited), Boolean(v.deleted)]);
      expect(texts).toEqual([
        [`bob asks in ${room}`, false, false],
        [`hello from ${room}`, true, false],
        ['an answer', false, false],
        [null, false, true],
      ]);
      expect(views[0]?.reactions).toEqual([expect.objectContaining({ key: '👍', count: 1 })]);
      expect(views[2]?.replyTo?.seq).toBe(views[0]?.seq);
    }, 180_000);
  }
});

describe.skipIf(haveTmux)('message actions in the TUI (skipped)', () => {
  it('needs tmux; .ci/run installs it', () => {
    expect(haveTmux).toBe(false);
  });
});
