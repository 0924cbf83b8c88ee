import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, MemorySessionStore } from '../../shared/client/index.js';
import { CHAT_BIN, chat, eventually, tempDir, userEnv } from '../support/binaries.js';
import { FAKE_CONTINUATION, forbiddenIn, HOSTILE_MESSAGES, HOSTILE_TOPIC } from '../support/hostile-strings.js';
import type { TamperingServer } from '../support/tampering-server.js';
import { startTamperingServer } from '../support/tampering-server.js';
import { haveTmux, tmuxOn } from '../support/tmux.js';

// The hostile fixture set in the interactive client, in a real terminal (tmux) that would act on
// what leaked: OSC 0/2 set the pane's title, OSC 52 lands in a tmux paste buffer (set-clipboard on).
// The topics are written into the server's database (test/support/tampering-server.ts), as a
// compromised server would: the honest one refuses control characters in a topic.
const SOCKET = `chat-hostile-${randomBytes(4).toString('hex')}`;
const SIDEBAR = 24;
const tmux = tmuxOn(SOCKET);
const screen = () => tmux('capture-pane', '-p', '-t', 'alice');
const header = () => (screen().split('\n')[0] ?? '').slice(SIDEBAR);

describe.runIf(haveTmux)('hostile text in the interactive client', () => {
  let tampering: TamperingServer;
  let titleBefore: string;

  beforeAll(async () => {
    const dir = await tempDir('tui-hostile');
    tampering = await startTamperingServer({ dataDir: join(dir, 'data') });
    const alice = userEnv(join(dir, 'alice'), tampering.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], 'correct horse battery\n')).code).toBe(0);
    expect((await chat(alice, ['create', 'lobby', '--topic', 'benign'])).code).toBe(0);
    expect((await chat(alice, ['create', 'secret', '--private', '--topic', 'benign'])).code).toBe(0);
    for (const room of ['lobby', 'secret']) await tampering.setTopic(room, HOSTILE_TOPIC);
    expect((await chat(alice, ['send', 'secret'], [...HOSTILE_MESSAGES, FAKE_CONTINUATION].join('\n'))).code).toBe(0);
    const bob = new ApiClient({ serverUrl: tampering.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
    await bob.register({ username: 'bob', password: 'correct horse battery' });
    await bob.join('lobby');
    for (const body of [...HOSTILE_MESSAGES, FAKE_CONTINUATION]) await bob.send('lobby', body, crypto.randomUUID());

    const conf = join(dir, 'tmux.conf');
    await writeFile(conf, 'set -g set-clipboard on\nset -g allow-rename on\n');
    const vars = Object.entries(alice).map(([k, v]) => `${k}='${v}'`).join(' ');
    tmux('-f', conf, 'new-session', '-d', '-s', 'alice', '-x', '160', '-y', '50', `env ${vars} TERM=xterm-256color ${process.execPath} ${CHAT_BIN}`);
    titleBefore = tmux('display', '-p', '-t', 'alice', '#{pane_title}');
    await eventually(() => (screen().includes('● connected') && screen().includes('mallory:') ? true : undefined), 'the room with the hostile messages', 30_000);
  }, 120_000);

  afterAll(async () => {
    if (haveTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    await tampering?.stop();
  });

  /** What every frame must satisfy: nothing acted on, nothing hidden, nothing posing as a message. */
  const expectInertFrame = async () => {
    expect(tmux('display', '-p', '-t', 'alice', '#{pane_title}')).toBe(titleBefore);
    expect(tmux('list-buffers', '-F', '#{buffer_name}: #{buffer_sample}')).toBe('');
    const coloured = tmux('capture-pane', '-e', '-p', '-t', 'alice');
    // Only the colours and attributes tmux itself writes for the cells (SGR) may be in the capture.
    expect(coloured.replace(/\u001b\[[0-9;:]*m/g, '')).not.toMatch(/\u001b/);
    expect(forbiddenIn(coloured.replace(/\u001b\[[0-9;:]*m/g, ''))).toEqual([]);
    // A repaint can fall between two captures (once in CI): the lines are looked for until they are there.
    const posing = await eventually(() => {
      const found = screen().split('\n').filter((l) => l.includes('mallory:'));
      return found.length > 0 ? found : undefined;
    }, "mallory's lines on screen");
    for (const l of posing) expect(l.slice(SIDEBAR, SIDEBAR + 6)).toBe(' '.repeat(6));
  };

  it('shows an open room\'s hostile topic and messages as visible text, acting on none of them', async () => {
    if (!header().startsWith('#lobby')) tmux('send-keys', '-t', 'alice', 'C-n');
    await eventually(() => (header().startsWith('#lobby') && screen().includes('mallory:') ? true : undefined), '#lobby on screen');
    await expectInertFrame();
    expect(header()).toContain('title^[]0;PWNED-TITLE-0^Gset before^[[2J^[[Hafter-clear');
    expect(screen()).toMatch(/invoice⟨U\+202E⟩gpj\.exe/);
  }, 30_000);

  it('shows a private room\'s hostile topic, saying the server can read it', async () => {
    tmux('send-keys', '-t', 'alice', 'C-n');
    await eventually(() => (header().startsWith('⚿ secret') && screen().includes('mallory:') ? true : undefined), '#secret on screen', 20_000);
    await expectInertFrame();
    expect(header()).toContain('⚠ topic (not encrypted): title^[]0;PWNED-TITLE-0^Gset');
  }, 30_000);
});
