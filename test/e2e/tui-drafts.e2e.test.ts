import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { CHAT_BIN, chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { eventuallyShowing, haveTmux, tmuxOn } from '../support/tmux.js';

// Each room keeps its own composer draft, in a real terminal: switching rooms keeps the draft in its
// room, and Ctrl+C then a restart loses none of them.
const SOCKET = `chat-e2e-${randomBytes(4).toString('hex')}`;
const tmux = tmuxOn(SOCKET);
const screen = () => tmux('capture-pane', '-p', '-t', 'alice');
let serverLog = (): string => '';
/** Waits as `eventually` does; a timeout prints the screen and the end of the server's log. */
const eventually = eventuallyShowing(() => `the screen:\n${screen()}\nthe server's log (end):\n${serverLog().slice(-3000)}`);
/** One send-keys call: key names (Enter, C-k) and plain strings, in order. */
const burst = (...keys: string[]) => tmux('send-keys', '-t', 'alice', ...keys);
const shows = (text: string) => () => (screen().includes(text) ? true : undefined);
const header = (room: string) => () => (new RegExp(`(#|⚿ )${room}`).test(screen().split('\n')[0] ?? '') ? true : undefined);

describe.runIf(haveTmux)('drafts per room in the interactive client, in a real terminal', () => {
  let server: ServerProcess;
  let alice: Record<string, string>;
  let home: string;

  /** A room's messages as `chat read --json` shows them (relations applied), oldest first. */
  const views = async (room: string): Promise<{ seq: number; text?: string | null; edited?: boolean; replyTo?: { seq: number } | null }[]> => {
    const read = await chat(alice, ['--json', 'read', room, '--limit', '50']);
    expect(read.code, read.stderr).toBe(0);
    return (JSON.parse(read.stdout) as { events: { kind: string; seq: number }[] }).events.filter((e) => e.kind === 'message' && 'text' in e);
  };
  /** The bodies of a room's messages, oldest first. */
  const bodies = async (room: string): Promise<string[]> => {
    const read = await chat(alice, ['--json', 'read', room, '--limit', '50']);
    expect(read.code, read.stderr).toBe(0);
    const events = (JSON.parse(read.stdout) as { events: { kind: string; body: string | null }[] }).events;
    return events.filter((e) => e.kind === 'message').map((e) => e.body ?? '');
  };
  /** Starts the app in a new tmux session and waits until it is connected. */
  const start = async () => {
    const vars = Object.entries(alice).map(([k, v]) => `${k}='${v}'`).join(' ');
    tmux('new-session', '-d', '-s', 'alice', '-x', '100', '-y', '30', `env ${vars} TERM=xterm-256color ${process.execPath} ${CHAT_BIN}`);
    await eventually(shows('● connected'), 'the app connected', 30_000);
  };
  const go = async (room: string) => {
    burst('C-k', room, 'Enter');
    await eventually(header(room), `the switch to #${room}`);
  };

  beforeAll(async () => {
    const dir = await tempDir('tui-drafts');
    server = await startServer({ dataDir: join(dir, 'data') });
    serverLog = server.output;
    home = join(dir, 'alice');
    alice = userEnv(home, server.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], 'correct horse battery\n')).code).toBe(0);
    expect((await chat(alice, ['create', 'history'])).code).toBe(0);
    expect((await chat(alice, ['create', 'plans', '--private'])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    if (haveTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    await server?.stop();
  });

  it('keeps the draft of #history in #history (Enter in #plans sends nothing), and every draft across Ctrl+C and a restart', async () => {
    await start();
    await go('history');
    burst('draft for history');
    await eventually(shows('draft for history'), 'the draft typed');
    await go('plans');
    await eventually(shows('Message ⚿ plans'), 'the empty composer of #plans');
    expect(screen()).not.toContain('draft for history');
    burst('Enter', 'plans half');
    await eventually(shows('plans half'), "#plans' draft typed");
    burst('C-c');
    await eventually(() => (spawnSync('tmux', ['-L', SOCKET, 'has-session', '-t', 'alice']).status !== 0 ? true : undefined), 'the app ended');
    expect(await bodies('plans')).toEqual([]);

    // Kept sealed, owner-only, in the profile's folder.
    const file = (await readdir(home)).find((n) => n.startsWith('drafts-'));
    expect(file).toBeDefined();
    const path = join(home, file as string);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path)).toString('latin1')).not.toContain('draft for history');

    await start();
    await go('history');
    await eventually(shows('draft for history'), "#history's draft after the restart");
    burst('Enter');
    await eventually(async () => ((await bodies('history')).at(-1) === 'draft for history' ? true : undefined), 'the draft sent into #history');
    await go('plans');
    await eventually(shows('plans half'), "#plans' draft after the restart");
    expect(await bodies('plans')).toEqual([]);
  }, 120_000);

  // A reply or an edit typed and not sent was kept as a plain draft (a reply) or lost (an edit).
  it('brings back a reply and an unsaved edit, in a private room, after Ctrl+C and a restart', async () => {
    expect((await chat(alice, ['send', 'plans', 'lunch at noon?'])).code).toBe(0);
    expect((await chat(alice, ['send', 'plans', 'meet at the caffe'])).code).toBe(0);
    // The app the test before left open ends; #plans' draft from it is cleared (Ctrl+U).
    spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', 'alice']);
    await start();
    await go('plans');
    await eventually(shows('alice: meet at the caffe'), 'the history (opened)');
    burst('C-u');
    await eventually(() => (screen().includes('plans half') ? undefined : true), "#plans' old draft cleared");
    // A reply to the first message, left unsent.
    burst('C-Up', 'Up', 'r');
    await eventually(shows('replying to alice: lunch at noon?'), 'the reply banner');
    burst('noon is fine');
    await eventually(shows('noon is fine'), 'the reply typed');
    burst('C-c');
    await eventually(() => (spawnSync('tmux', ['-L', SOCKET, 'has-session', '-t', 'alice']).status !== 0 ? true : undefined), 'the app ended');
    expect((await readFile(join(home, (await readdir(home)).find((n) => n.startsWith('drafts-')) as string))).toString('latin1')).not.toContain('noon is fine');

    await start();
    await go('plans');
    await eventually(shows('replying to alice: lunch at noon?'), 'the reply banner after the restart');
    expect(screen()).toContain('noon is fine');
    burst('Enter');
    await eventually(async () => ((await views('plans')).some((v) => v.text === 'noon is fine') ? true : undefined), 'the reply sent');
    const [lunch, , reply] = await views('plans');
    expect(reply?.text).toBe('noon is fine');
    expect(reply?.replyTo?.seq).toBe(lunch?.seq);

    // An edit of "meet at the caffe", left unsaved across a restart.
    await eventually(shows('alice: noon is fine'), 'the reply in the timeline');
    burst('C-Up', 'Up', 'e');
    await eventually(shows('editing your message'), 'the edit banner');
    burst('BSpace', 'BSpace', 'BSpace', 'BSpace', 'BSpace', 'cafe');
    await eventually(shows('meet at the cafe '), 'the edit typed');
    burst('C-c');
    await eventually(() => (spawnSync('tmux', ['-L', SOCKET, 'has-session', '-t', 'alice']).status !== 0 ? true : undefined), 'the app ended again');
    await start();
    await go('plans');
    await eventually(shows('editing your message'), 'the edit banner after the restart');
    burst('Enter');
    await eventually(async () => ((await views('plans')).some((v) => v.text === 'meet at the cafe' && v.edited) ? true : undefined), 'the edit saved');
  }, 180_000);
});
