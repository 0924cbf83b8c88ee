import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { CHAT_BIN, startServer, tempDir } from '../support/binaries.js';

// The real OS keychain: gnome-keyring's Secret Service on a private D-Bus session, as on a desktop.
// .ci/run installs gnome-keyring, dbus-x11 and libsecret-tools.
const haveKeyring = spawnSync('sh', ['-c', 'command -v dbus-run-session && command -v gnome-keyring-daemon && command -v secret-tool']).status === 0;

describe.runIf(haveKeyring)('credentials in the OS keychain', () => {
  let server: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('keychain');
    server = await startServer({ dataDir: join(dir, 'data') });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps the session in the Secret Service and nothing secret in CHAT_HOME', () => {
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    // Each result on its own prefixed line: gnome-keyring-daemon prints its environment too.
    const script = [
      // As a desktop login does: unlock (creating) the login keyring and export the daemon's address.
      'eval $(echo pw | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)',
      // The daemon may claim the Secret Service's bus name a moment after it prints its environment; a
      // call before that had the bus start a second, locked one (whose unlock prompt has no display), and
      // CI failed so once. Wait up to 5 s for the name, and say whether it came.
      'owned=no; for i in $(seq 1 100); do if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then owned=yes; break; fi; sleep 0.05; done; echo "OWNED:$owned"',
      // Registering prints several lines (the recovery key among them): one line here.
      `echo "REG:$(echo 'correct horse battery' | node ${CHAT_BIN} register kim --password-stdin 2>&1 | tr '\\n' ' ')"`,
      `echo "WHO:$(node ${CHAT_BIN} --json whoami 2>&1)"`,
      'echo "N:$(secret-tool search --all service chat-cli 2>/dev/null | grep -c "^label")"',
    ].join('; ');
    const env = { ...process.env, HOME: home, CHAT_HOME: join(home, 'chat'), CHAT_SERVER: server.url, CHAT_KEYSTORE: '', CHAT_KEYSTORE_PASSPHRASE: '' };
    const run = spawnSync('dbus-run-session', ['--', 'sh', '-c', script], { env, encoding: 'utf8', timeout: 60_000 });
    const field = (prefix: string) => run.stdout.split('\n').find((l) => l.startsWith(prefix))?.slice(prefix.length) ?? '';
    expect(field('REG:'), run.stdout + run.stderr).toContain('credentials in the OS keychain');
    expect(JSON.parse(field('WHO:')).user.username).toBe('kim');
    expect(Number(field('N:'))).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(home, 'chat', 'secrets.enc'))).toBe(false);
  }, 90_000);
});

describe.skipIf(haveKeyring)('credentials in the OS keychain (skipped)', () => {
  it('needs dbus-run-session, gnome-keyring-daemon and secret-tool; .ci/run installs them', () => {
    expect(haveKeyring).toBe(false);
  });
});
