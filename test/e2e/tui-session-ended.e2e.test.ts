import { cp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { haveTmux, terminals } from '../support/tmux.js';

// Every way the interactive client learns that its session ended — the socket closed by a `chat logout`
// in another shell or by a revocation, or a session found ended on the server at start — keeps the
// profile (its server) and, but for a revoked device, the device: the sign-in form comes back for the
// same server, on a cleared screen, and signing in goes on as the same device.
const PASSWORD = 'correct horse battery';

describe.runIf(haveTmux)('the interactive client when its session ends', () => {
  let server: ServerProcess;
  let dir: string;
  const term = terminals('tui-session-ended');

  /** The environment of `name`'s profile without CHAT_SERVER: the server comes from the profile, as for a user. */
  const envOf = (name: string) => {
    const { CHAT_SERVER: _server, ...env } = userEnv(join(dir, name), server.url);
    return env;
  };
  const deviceOf = async (env: Record<string, string>) => {
    const r = await chat(env, ['--json', 'whoami']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { deviceId: string }).deviceId;
  };
  /** The files of the home that hold the device: its end-to-end store (LMDB) and the profile record. */
  const deviceFiles = async (env: Record<string, string>) => {
    const home = env.CHAT_HOME!;
    const config = JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as { profiles?: Record<string, { server?: string; username?: string }> };
    return { e2e: (await readdir(home)).filter((f) => /^e2e-.*\.mdb$/.test(f)), profile: config.profiles?.default };
  };
  /** Waits for the sign-in form after the session ended, and checks it is for the profile's server, on a cleared screen. */
  const signInFormFor = async (session: string) => {
    await term.see(session, (s) => s.includes(`Sign in on ${server.url}`) && s.includes('Signed out, here or on'), 'the sign-in form for the same server');
    const screen = term.screen(session);
    expect(screen).not.toContain('8787');
    // Drawn on a cleared screen: the form's box (60 columns) is the first thing on it, its title two
    // rows down, and nothing of the app's last frame (its full-width border, its status line) is left.
    const rows = screen.split('\n');
    expect(rows[0], screen).toBe(`╭${'─'.repeat(58)}╮`);
    expect(rows[2], screen).toContain(`Sign in on ${server.url}`);
    expect(screen).not.toContain('connected');
  };
  const signInThroughForm = async (session: string, name: string) => {
    term.type(session, name);
    term.press(session, 'Enter');
    term.type(session, PASSWORD);
    term.press(session, 'Enter');
    await term.see(session, (s) => s.includes(`● connected  ${name} @`), `${name} signed in again`);
  };
  const register = async (name: string) => {
    const r = await chat(userEnv(join(dir, name), server.url), ['register', name, '--password-stdin'], `${PASSWORD}\n`);
    expect(r.code, r.stderr).toBe(0);
    const env = envOf(name);
    return env;
  };

  beforeAll(async () => {
    dir = await tempDir('tui-session-ended');
    server = await startServer({ dataDir: join(dir, 'data') });
  }, 120_000);

  afterAll(async () => {
    term.close();
    await server?.stop();
  });

  it('a plain `chat logout` in another shell keeps the device, its keys and the profile, and signing in resumes it', async () => {
    const env = await register('frank');
    const device = await deviceOf(env);
    const before = await deviceFiles(env);
    expect(before.e2e.length).toBeGreaterThan(0);
    term.start('frank', env);
    await term.see('frank', (s) => s.includes('● connected  frank @'), 'Frank connected');
    const out = await chat(env, ['logout']);
    expect(out.code, out.stderr).toBe(0);
    await signInFormFor('frank');
    expect(await deviceFiles(env)).toEqual(before);
    await signInThroughForm('frank', 'frank');
    expect(await deviceOf(env)).toBe(device);
  }, 90_000);

  it('a session found ended on the server at start keeps the device too, and `chat login` resumes it', async () => {
    const env = await register('gina');
    const device = await deviceOf(env);
    const before = await deviceFiles(env);
    // The home as it is now, its session's tokens included, put back after `chat logout` ended that
    // session: the client finds tokens the server no longer takes (the keystore is sealed to the
    // home's path, so the copy goes back there).
    const home = env.CHAT_HOME!;
    const copy = join(dir, 'gina-copy');
    await cp(home, copy, { recursive: true });
    expect((await chat(env, ['logout'])).code).toBe(0);
    await rm(home, { recursive: true });
    await rename(copy, home);
    term.start('gina', env);
    await signInFormFor('gina');
    expect(await deviceFiles(env)).toEqual(before);
    term.press('gina', 'C-c');
    const login = await chat(env, ['--json', 'login', 'gina', '--password-stdin'], `${PASSWORD}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ deviceId: device, resumed: true });
  }, 90_000);

  it('a device revoked from another one, while the app is open, is replaced by a new device at the next sign-in, on the same server', async () => {
    const first = await register('hugo');
    expect((await chat(userEnv(join(dir, 'hugo-2'), server.url), ['login', 'hugo', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    const env = envOf('hugo-2');
    const device = await deviceOf(env);
    term.start('hugo', env);
    await term.see('hugo', (s) => s.includes('● connected  hugo @'), 'Hugo connected');
    const revoke = await chat(first, ['devices', 'revoke', device]);
    expect(revoke.code, revoke.stderr).toBe(0);
    await signInFormFor('hugo');
    await signInThroughForm('hugo', 'hugo');
    expect(await deviceOf(env)).not.toBe(device);
    expect((await deviceFiles(env)).profile).toMatchObject({ server: server.url, username: 'hugo' });
  }, 90_000);

  it('the sign-in form for another server than the profile\'s says first that signing in there replaces the profile\'s sign-in', async () => {
    const env = await register('iris');
    const other = await startServer({ dataDir: join(dir, 'other-data') });
    try {
      term.start('iris', { ...env, CHAT_SERVER: other.url });
      await term.see('iris', (s) => s.includes(`Sign in on ${other.url}`), 'the sign-in form for the other server');
      // The note wraps in the form's box: read it as one line.
      const text = term.screen('iris').replace(/[│\s]+/g, ' ');
      expect(text).toContain(`This profile is signed in as iris on ${server.url}: signing in here ends that and removes that device's keys from it`);
      expect(text).toContain('--profile NAME');
      term.press('iris', 'C-c');
    } finally {
      await other.stop();
    }
  }, 90_000);
});
