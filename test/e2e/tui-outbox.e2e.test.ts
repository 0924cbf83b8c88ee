import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { CHAT_BIN, chat, eventually, startServer, tempDir, registerUsers } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';
import { haveTmux, tmuxOn } from '../support/tmux.js';

// The TUI over the shared client model, in a real terminal (tmux): messages typed while the server is
// down, the outbox kept across quitting, and rooms joined from another client.
const SOCKET = `chat-e2e-${randomBytes(4).toString('hex')}`;
const tmux = tmuxOn(SOCKET);
const screen = (session: string) => tmux('capture-pane', '-p', '-t', session);
const type = (session: string, text: string) => tmux('send-keys', '-t', session, '-l', text);
const press = (session: string, key: string) => tmux('send-keys', '-t', session, key);
const shows = (session: string, text: string) => () => (screen(session).includes(text) ? true : undefined);
/** Waits for a check on a session's screen; a timeout says what the screen showed. */
async function see(session: string, check: () => true | undefined, what: string, timeoutMs = 20_000): Promise<void> {
  try {
    await eventually(check, what, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; the screen:\n${screen(session)}`);
  }
}

interface ReadEvent {
  readonly kind: string;
  readonly decrypted?: { readonly status: string; readonly body?: string };
}

describe.runIf(haveTmux)('the TUI outbox and room list', () => {
  let server: ServerProcess;
  let dir: string;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  /** PostgreSQL (the embedded database starts slowly under load, and the server restarts here several times). */
  let db: Awaited<ReturnType<typeof createTestDatabase>>;

  /** Alice's TUI in a tmux session whose shell stays after it exits (to read what it said on quitting). */
  const startAlice = async (session: string) => {
    const vars = Object.entries(alice).map(([k, v]) => `${k}='${v}'`).join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '140', '-y', '30', `env ${vars} TERM=xterm-256color ${process.execPath} ${CHAT_BIN}; echo "exited: $?"; sleep 600`);
    await see(session, shows(session, '● connected'), `${session} to connect`, 30_000);
    // Into the private room, whatever order the room list has.
    const inSecret = () => /⚿ secret/.test(screen(session).split('\n')[0] ?? '');
    await see(session, shows(session, 'secret'), `${session}'s room list`);
    for (let i = 0; i < 3 && !inSecret(); i++) {
      press(session, 'C-n');
      await new Promise((r) => setTimeout(r, 300));
    }
    await see(session, () => (inSecret() ? true : undefined), `${session} in the private room`);
  };

  /** What Bob's `chat read --json` decrypts in the private room: the bodies, once each as stored. */
  const bobReads = async () => {
    const r = await chat(bob, ['--json', 'read', 'secret', '--limit', '100']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { events: ReadEvent[] }).events.filter((e) => e.kind === 'message').map((e) => e.decrypted?.body);
  };

  const restartServer = async () => {
    server = await startServer({ dataDir: join(dir, 'data'), port: server.port, env: { DATABASE_URL: db.url } });
  };

  beforeAll(async () => {
    dir = await tempDir('tui-outbox');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    [alice, bob] = await registerUsers(dir, server.url, ['alice', 'bob'], 'correct horse battery\n');
    expect((await chat(alice, ['create', 'secret', '--private'])).code).toBe(0);
    const link = JSON.parse((await chat(alice, ['--json', 'invite', 'secret'])).stdout) as { url: string };
    expect((await chat(bob, ['join', link.url])).code).toBe(0);
    expect((await chat(bob, ['create', 'lobby'])).code).toBe(0);
    await startAlice('alice');
  }, 120_000);

  afterAll(async () => {
    if (haveTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    await server?.stop();
    await db?.drop();
  });

  it('shows a room joined with `chat join` in the open TUI, without a restart', async () => {
    expect(screen('alice')).not.toContain('lobby');
    expect((await chat(alice, ['join', 'lobby'])).code).toBe(0);
    await see('alice', shows('alice', 'lobby'), 'the joined room in the TUI', 20_000);
  }, 30_000);

  it('shows a private message typed while the server is down as pending, and delivers it once when the server is back', async () => {
    expect(await server.stop()).toBe(0);
    await see('alice', shows('alice', 'reconnecting'), 'the TUI to notice', 20_000);
    type('alice', 'typed while the server was down');
    press('alice', 'Enter');
    await see('alice', shows('alice', 'typed while the server was down (pending: sent once connected)'), 'the pending message', 20_000);
    await restartServer();
    await see('alice', () => (screen('alice').includes('● connected') && !screen('alice').includes('(pending') && !screen('alice').includes('(sending') ? true : undefined), 'the message to be sent', 60_000);
    await see('alice', shows('alice', 'alice: typed while the server was down'), 'the message in the timeline');
    expect(await bobReads()).toEqual(['typed while the server was down']);
  }, 120_000);

  it('keeps a message still pending when the TUI quits, says so, and sends it at the next start', async () => {
    expect(await server.stop()).toBe(0);
    await see('alice', shows('alice', 'reconnecting'), 'the TUI to notice', 20_000);
    type('alice', 'typed before quitting');
    press('alice', 'Enter');
    await see('alice', shows('alice', 'typed before quitting (pending: sent once connected)'), 'the pending message', 20_000);
    press('alice', 'C-c');
    await see('alice', shows('alice', '1 message not sent yet'), 'the notice on quitting', 20_000);
    await see('alice', shows('alice', 'exited: 0'), 'the TUI to exit', 20_000);
    await restartServer();
    await startAlice('alice-again');
    await see('alice-again', () => (screen('alice-again').includes('alice: typed before quitting') && !screen('alice-again').includes('(pending') ? true : undefined), 'the kept message to be sent', 60_000);
    expect(await bobReads()).toEqual(['typed while the server was down', 'typed before quitting']);
  }, 180_000);
  it('edits and reacts while the server is down: the edit shows its new text pending, the reaction a pending chip; both are sent once it is back, stored once', async () => {
    const session = 'alice-again';
    expect(await server.stop()).toBe(0);
    await see(session, shows(session, 'reconnecting'), 'the TUI to notice', 20_000);
    // Edit: Ctrl+↑ selects the newest (Alice's), e loads it, Ctrl+U clears, Enter queues the edit.
    press(session, 'C-Up');
    await see(session, () => (/▶ .*alice: typed before quitting/.test(screen(session)) ? true : undefined), 'her message selected');
    type(session, 'e');
    await see(session, shows(session, 'editing your message'), 'the edit banner');
    press(session, 'C-u');
    type(session, 'edited while the server was down');
    press(session, 'Enter');
    await see(session, shows(session, 'alice: edited while the server was down (edit pending)'), 'the pending edit on the message');
    // React to it: + then 1 (👍).
    press(session, 'C-Up');
    await see(session, () => (/▶ .*alice: edited while the server was down/.test(screen(session)) ? true : undefined), 'the edited message selected');
    type(session, '+');
    await see(session, shows(session, '1 👍'), 'the reaction prompt');
    type(session, '1');
    await see(session, shows(session, '👍 1…'), 'the pending reaction chip');
    await restartServer();
    await see(
      session,
      () => {
        const s = screen(session);
        return s.includes('● connected') && s.includes('alice: edited while the server was down (edited)') && s.includes('👍 1*') && !s.includes('pending') ? true : undefined;
      },
      'the edit and the reaction sent and back from the server',
      60_000,
    );
    const r = await chat(bob, ['--json', 'read', 'secret', '--limit', '100']);
    expect(r.code, r.stderr).toBe(0);
    const views = (JSON.parse(r.stdout) as { events: (ReadEvent & { text?: string; edited?: boolean; reactions?: { key: string; count: number }[]; relation?: { type: string } | null })[] }).events;
    const edited = views.find((v) => v.text === 'edited while the server was down');
    expect(edited).toMatchObject({ edited: true, reactions: [{ key: '👍', count: 1 }] });
    // Each relation is stored once, however often it was sent.
    expect(views.filter((v) => v.relation?.type === 'edit')).toHaveLength(1);
    expect(views.filter((v) => v.relation?.type === 'reaction')).toHaveLength(1);
  }, 180_000);
});

describe.skipIf(haveTmux)('the TUI outbox and room list (skipped)', () => {
  it('needs tmux; .ci/run installs it', () => {
    expect(haveTmux).toBe(false);
  });
});
