import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { CHAT_BIN, chat, eventually, startServer, tempDir, userEnv, registerUsers } from '../support/binaries.js';
import { haveTmux, tmuxOn } from '../support/tmux.js';

// Two TUIs in a real terminal (tmux), driven by keystrokes and read back from the screen.
const SOCKET = `chat-e2e-${randomBytes(4).toString('hex')}`;
const tmux = tmuxOn(SOCKET);
const screen = (session: string) => tmux('capture-pane', '-p', '-t', session);
const type = (session: string, text: string) => tmux('send-keys', '-t', session, '-l', text);
const press = (session: string, key: string) => tmux('send-keys', '-t', session, key);
const shows = (session: string, text: string) => () => (screen(session).includes(text) ? true : undefined);

describe.runIf(haveTmux)('the interactive client in a real terminal', () => {
  let server: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('tui');
    server = await startServer({ dataDir: join(dir, 'data') });
    const [alice, bob] = await registerUsers(dir, server.url, ['alice', 'bob'], 'correct horse battery\n');
    expect((await chat(alice, ['create', 'general'])).code).toBe(0);
    expect((await chat(bob, ['join', 'general'])).code).toBe(0);
    expect((await chat(alice, ['create', 'secret', '--private'])).code).toBe(0);
    const link = JSON.parse((await chat(alice, ['--json', 'invite', 'secret'])).stdout) as { url: string };
    expect((await chat(bob, ['join', link.url])).code).toBe(0);
    for (const [env, name] of [[alice, 'alice'], [bob, 'bob']] as const) {
      const vars = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(' ');
      tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', `env ${vars} TERM=xterm-256color ${process.execPath} ${CHAT_BIN}`);
    }
    // Connected, and the first room's history shown: both are subscribed to it.
    for (const name of ['alice', 'bob']) {
      await eventually(() => (screen(name).includes('● connected') && screen(name).includes('bob joined') ? true : undefined), `${name}'s screen`, 30_000);
    }
  }, 120_000);

  afterAll(async () => {
    if (haveTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    await server?.stop();
  });

  it('shows Bob what Alice types in an open room, and that she is typing', async () => {
    type('alice', 'hello from the terminal');
    await eventually(shows('bob', 'alice is typing…'), 'the typing line on Bob\'s screen');
    press('alice', 'Enter');
    await eventually(shows('bob', 'alice: hello from the terminal'), 'the message on Bob\'s screen');
    await eventually(() => (screen('bob').includes('alice is typing…') ? undefined : true), 'the typing line to clear');
  }, 30_000);

  it('does the same in a private room, decrypting on Bob\'s side', async () => {
    press('alice', 'C-n');
    press('bob', 'C-n');
    for (const name of ['alice', 'bob']) {
      await eventually(() => (/⚿ secret/.test(screen(name).split('\n')[0] ?? '') && screen(name).includes('bob joined') ? true : undefined), `${name} in #secret`);
    }
    type('alice', 'only for us');
    await eventually(shows('bob', 'alice is typing…'), 'typing in the private room');
    press('alice', 'Enter');
    await eventually(shows('bob', 'alice: only for us'), 'the decrypted message on Bob\'s screen', 20_000);
  }, 40_000);

  it('searches open and private rooms with /search and jumps to a result; /summarize shows a summary', async () => {
    type('bob', '/search terminal or "only for us"');
    await eventually(shows('bob', '/search terminal or'), 'the command in the composer');
    press('bob', 'Enter');
    await eventually(shows('bob', '2 results'), 'the results panel on Bob\'s screen');
    const panel = screen('bob');
    expect(panel).toContain('hello from the terminal');
    expect(panel).toContain('only for us');
    // A private room's hit is named as the header names the room: ⚿, not #.
    expect(panel).toMatch(/⚿ secret {2}alice/);
    expect(panel).not.toContain('#secret');
    // The open room's hit is chosen by ↓, and Enter shows it in its room.
    const order = panel.indexOf('#general') < panel.indexOf('⚿ secret') ? ['general', 'secret'] : ['secret', 'general'];
    if (order[0] === 'secret') press('bob', 'Down');
    press('bob', 'Enter');
    await eventually(() => (/^\S*\s+#general/.test(screen('bob').split('\n')[0] ?? '') && screen('bob').includes('▶') ? true : undefined), 'the jump to #general');
    expect(screen('bob')).toMatch(/▶ \d\d:\d\d alice: hello from the terminal/);
    type('bob', '/summarize bullets');
    await eventually(shows('bob', '/summarize bullets'), 'the command in the composer');
    press('bob', 'Enter');
    // The panel's title line names the summarizer once it is done, however long the text below.
    await eventually(shows('bob', 'Summary of #general (bullets) · offline extractive summary'), 'the summary panel');
    press('bob', 'Escape');
    await eventually(() => (screen('bob').includes('offline extractive summary') ? undefined : true), 'the panel to close');
    // Back to #secret, where the tests below expect Bob.
    press('bob', 'C-n');
    await eventually(() => (/⚿ secret/.test(screen('bob').split('\n')[0] ?? '') ? true : undefined), 'Bob back in #secret');
  }, 40_000);

  it('signs a new user up through its form when there is no session', async () => {
    const env = userEnv(join(dir, 'dora'), server.url);
    const vars = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(' ');
    tmux('new-session', '-d', '-s', 'dora', '-x', '100', '-y', '30', `env ${vars} TERM=xterm-256color ${process.execPath} ${CHAT_BIN}`);
    await eventually(shows('dora', 'Sign in on'), 'the sign-in form', 20_000);
    press('dora', 'Tab');
    await eventually(shows('dora', 'Create an account'), 'the register mode');
    type('dora', 'dora');
    press('dora', 'Enter');
    type('dora', 'correct horse battery');
    expect(screen('dora')).not.toContain('correct horse battery');
    press('dora', 'Enter');
    // The new account's recovery key, in the form, until Enter: the app goes on into the chat.
    await eventually(shows('dora', 'Press Enter once you have written it down.'), 'the recovery key', 20_000);
    expect(screen('dora')).toMatch(/│\s+(?:[0-9A-Z]{4} ){5}[0-9A-Z]{4}\s+│/);
    press('dora', 'Enter');
    await eventually(shows('dora', '● connected  dora @'), 'Dora signed in', 20_000);
    expect((await chat(env, ['--json', 'whoami'])).stdout).toContain('"username":"dora"');
  }, 40_000);

  it('shows the sign-in form with a note, not a crash, on a device revoked from another one, and signs in anew', async () => {
    const first = userEnv(join(dir, 'erin-1'), server.url);
    const second = userEnv(join(dir, 'erin-2'), server.url);
    expect((await chat(first, ['register', 'erin', '--password-stdin'], 'correct horse battery\n')).code).toBe(0);
    expect((await chat(second, ['login', 'erin', '--password-stdin'], 'correct horse battery\n')).code).toBe(0);
    const revoked = (JSON.parse((await chat(second, ['--json', 'whoami'])).stdout) as { deviceId: string }).deviceId;
    const revoke = await chat(first, ['keys', '--revoke', revoked]);
    expect(revoke.code, revoke.stderr).toBe(0);
    const vars = Object.entries(second).map(([k, v]) => `${k}='${v}'`).join(' ');
    tmux('new-session', '-d', '-s', 'erin', '-x', '100', '-y', '30', `env ${vars} TERM=xterm-256color ${process.execPath} ${CHAT_BIN}; sleep 60`);
    await eventually(shows('erin', 'Sign in on'), 'the sign-in form', 20_000);
    expect(screen('erin')).toContain('Signed out, here or on');
    expect(screen('erin')).not.toContain('ChatError');
    type('erin', 'erin');
    press('erin', 'Enter');
    type('erin', 'correct horse battery');
    press('erin', 'Enter');
    await eventually(shows('erin', '● connected  erin @'), 'Erin signed in again', 20_000);
    const now = JSON.parse((await chat(second, ['--json', 'whoami'])).stdout) as { deviceId: string };
    expect(now.deviceId).not.toBe(revoked);
  }, 60_000);

  it('rings when Bob is mentioned while his terminal is not focused', async () => {
    tmux('set-option', '-g', 'monitor-bell', 'on');
    expect(tmux('display', '-p', '-t', 'bob', '#{window_bell_flag}').trim()).toBe('0');
    type('bob', '\u001b[O'); // the terminal's focus-out report
    await new Promise((r) => setTimeout(r, 300));
    expect((await chat(userEnv(join(dir, 'alice'), server.url), ['send', 'general', 'are you there @bob?'])).code).toBe(0);
    await eventually(() => (tmux('display', '-p', '-t', 'bob', '#{window_bell_flag}').trim() === '1' ? true : undefined), 'the bell on Bob\'s window');
    expect(screen('bob')).not.toContain('[O');
  }, 20_000);

  it('draws in colour, and without any under NO_COLOR', async () => {
    // The sessions above run with NO_COLOR (userEnv sets it); this one runs without.
    const { NO_COLOR: _off, ...env } = userEnv(join(dir, 'bob'), server.url);
    const vars = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(' ');
    tmux('new-session', '-d', '-s', 'colour', '-x', '100', '-y', '30', `env -u NO_COLOR ${vars} TERM=xterm-256color ${process.execPath} ${CHAT_BIN}`);
    await eventually(shows('colour', '● connected'), 'the coloured screen', 20_000);
    expect(tmux('capture-pane', '-e', '-p', '-t', 'colour')).toMatch(/\u001b\[(3|4)\dm/);
    expect(tmux('capture-pane', '-e', '-p', '-t', 'bob')).not.toMatch(/\u001b\[(3|4)\dm/);
  }, 30_000);

  it('leaves a clean screen when Bob\'s window is resized', async () => {
    tmux('resize-window', '-t', 'bob', '-x', '70', '-y', '20');
    // Redrawn at the new size: the composer's border fits one line again (tmux wraps an old, wider
    // frame into lines that would also be short), and the timeline is back.
    await eventually(() => {
      const frame = screen('bob');
      const lines = frame.split('\n').filter((l) => l.length > 0);
      const redrawn = lines.some((l) => l.startsWith('╭') && l.endsWith('╮'));
      return redrawn && lines.length <= 20 && lines.every((l) => l.length <= 70) && lines.at(-1)?.includes('● connected') && frame.includes('alice: only for us') ? lines : undefined;
    }, 'the app to redraw at 70×20');
    const frame = screen('bob');
    expect(frame.match(/╭/g)).toHaveLength(1); // one composer, no leftovers of the old frame
    expect(frame).toContain('alice: only for us');
  }, 20_000);

  it('sets #general\'s topic with /topic as its owner, shows it on Bob\'s screen at once, and refuses Bob\'s', async () => {
    const header = (name: string) => screen(name).split('\n')[0] ?? '';
    for (const name of ['alice', 'bob']) {
      press(name, 'C-k');
      type(name, 'general');
      press(name, 'Enter');
      await eventually(() => (/#general/.test(header(name)) ? true : undefined), `${name} in #general`);
    }
    type('alice', '/topic release on Friday');
    press('alice', 'Enter');
    await eventually(shows('alice', 'topic of #general set: release on Friday'), 'the confirmation');
    await eventually(() => (header('bob').includes('#general — release on Friday') ? true : undefined), 'the topic in Bob\'s header');
    type('bob', '/topic');
    press('bob', 'Enter');
    await eventually(shows('bob', 'topic of #general: release on Friday'), '/topic on Bob\'s screen');
    type('bob', '/topic mine now');
    press('bob', 'Enter');
    await eventually(shows('bob', 'only the owner of #general can set its topic'), 'the refusal');
    const rooms = JSON.parse((await chat(userEnv(join(dir, 'bob'), server.url), ['--json', 'rooms'])).stdout) as { rooms?: { name: string; topic: string }[] } | { name: string; topic: string }[];
    const list = Array.isArray(rooms) ? rooms : (rooms.rooms ?? []);
    expect(list.find((r) => r.name === 'general')?.topic).toBe('release on Friday');
  }, 40_000);
});

describe.skipIf(haveTmux)('the interactive client in a real terminal (skipped)', () => {
  it('needs tmux; .ci/run installs it', () => {
    expect(haveTmux).toBe(false);
  });
});
