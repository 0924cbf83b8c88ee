import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_BIN, eventually, tempDir, userEnv } from '../support/binaries.js';
import { haveTmux, tmuxOn } from '../support/tmux.js';

// A password or recovery-key prompt puts the terminal in raw mode. SIGTERM there waited for the 5 s
// fallback and exited 130; Ctrl-C (a key in raw mode) said "cancelled" and exited 2.
describe.runIf(haveTmux)('a signal at a hidden prompt of the chat binary', () => {
  const socket = `hidden-prompt-${randomBytes(4).toString('hex')}`;
  const tmux = tmuxOn(socket);
  let env: Record<string, string>;

  beforeAll(async () => {
    // The prompt comes before any request: the server is never asked.
    env = userEnv(join(await tempDir('hidden-prompt'), 'home'), 'http://127.0.0.1:9');
  });
  afterAll(() => void spawnSync('tmux', ['-L', socket, 'kill-server']));

  /**
   * `chat <args>` in a terminal, under a shell that then prints its exit status and the terminal's
   * modes (`stty -a`); answers when the prompt shows, with the chat process's id and the screen.
   */
  const prompt = async (session: string, args: string, shows: RegExp) => {
    const vars = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', `env ${vars} TERM=xterm-256color sh -c '${process.execPath} ${CHAT_BIN} ${args}; echo EXIT=$?; stty -a; sleep 60'`);
    const screen = () => tmux('capture-pane', '-p', '-t', session);
    await eventually(() => (shows.test(screen()) ? true : undefined), `the prompt in ${session}`).catch((e: unknown) => Promise.reject(new Error(`${(e as Error).message}; the screen:\n${screen()}`)));
    const shell = tmux('display-message', '-p', '-t', session, '#{pane_pid}').trim();
    const pid = Number(spawnSync('pgrep', ['-P', shell], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
    const ended = () => eventually(() => /EXIT=\d+/.exec(screen())?.[0], `chat in ${session} to end`).then((exit) => ({ exit, screen: screen() }));
    return { pid, ended };
  };
  /** Whether the terminal is back in its normal mode: echo and line editing on. */
  const restored = (screen: string) => /(^|\s)echo(\s|$)/m.test(screen) && /(^|\s)icanon(\s|$)/m.test(screen);

  it('ends at SIGTERM at once with 143 (128 + SIGTERM), the terminal restored', async () => {
    const { pid, ended } = await prompt('term', 'login alice', /Password:/);
    process.kill(pid, 'SIGTERM');
    const { exit, screen } = await ended();
    expect(exit).toBe('EXIT=143');
    expect(screen).toMatch(/chat: stopped before it finished/);
    expect(restored(screen)).toBe(true);
  });

  it('ends at SIGINT with 130, and at Ctrl-C typed at the prompt with 130, the terminal restored', async () => {
    const signalled = await prompt('int', 'login alice', /Password:/);
    process.kill(signalled.pid, 'SIGINT');
    const byKill = await signalled.ended();
    expect(byKill.exit).toBe('EXIT=130');
    expect(restored(byKill.screen)).toBe(true);
    const typed = await prompt('ctrl-c', 'register alice', /Password:/);
    tmux('send-keys', '-t', 'ctrl-c', '-l', 'half');
    tmux('send-keys', '-t', 'ctrl-c', 'C-c');
    const byKey = await typed.ended();
    expect(byKey.exit).toBe('EXIT=130');
    expect(restored(byKey.screen)).toBe(true);
  });
});
