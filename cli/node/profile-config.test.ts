import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProfileConfig } from './profile-config.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe.runIf(process.platform !== 'win32')('the CLI config file', () => {
  it('is written 0600 in a folder made 0700', async () => {
    const root = await mkdtemp(join(tmpdir(), 'chat-config-'));
    dirs.push(root);
    const home = join(root, 'home');
    const config = new ProfileConfig(home);
    config.setProfile('default', { server: 'http://localhost:8787', username: 'alice', keystore: 'file' });
    expect(await mode(join(home, 'config.json'))).toBe(0o600);
    expect(await mode(home)).toBe(0o700);
  });

  it('fixes a config file and folder an earlier version left readable by others', async () => {
    const root = await mkdtemp(join(tmpdir(), 'chat-config-'));
    dirs.push(root);
    const home = join(root, 'home');
    mkdirSync(home, { mode: 0o755 });
    chmodSync(home, 0o755);
    writeFileSync(join(home, 'config.json'), JSON.stringify({ profiles: {}, theme: 'dark' }), { mode: 0o644 });
    chmodSync(join(home, 'config.json'), 0o644);
    const config = new ProfileConfig(home);
    expect(config.theme).toBe('dark');
    config.theme = 'light';
    expect(await mode(join(home, 'config.json'))).toBe(0o600);
    expect(await mode(home)).toBe(0o700);
    expect(new ProfileConfig(home).theme).toBe('light');
  });
});
