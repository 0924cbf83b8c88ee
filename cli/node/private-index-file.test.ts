import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/binaries.js';
import { PrivateIndexFile } from './private-index-file.js';
import { memorySecrets } from '../../test/support/memory-secrets.js';
import type { SecretStore } from './secret-store.js';

const ROOM = '00000000-0000-4000-8000-00000000000a';
const message = { id: '00000000-0000-4000-8000-000000000001', roomId: ROOM, roomName: 'plans', seq: 1, senderId: ROOM, sender: 'alice', createdAt: '2026-11-30T10:00:00.000Z', text: 'the launch plan' };

/** A profile home with an index holding one message; its file, secrets and the notices said. */
async function indexed(): Promise<{ home: string; file: string; secrets: SecretStore; notices: Array<{ path: string; setAside: string }>; open: () => PrivateIndexFile }> {
  const home = await tempDir('private-index');
  const secrets = memorySecrets();
  const notices: Array<{ path: string; setAside: string }> = [];
  const open = () => new PrivateIndexFile(secrets, 'test:default', home, (n) => notices.push(n));
  await open().update(async (index) => index.add(message));
  const file = join(home, (await readdir(home)).find((f) => /^search-.*\.bin$/.test(f)) as string);
  return { home, file, secrets, notices, open };
}

describe('PrivateIndexFile', () => {
  it('keeps the index between runs', async () => {
    const { open, notices } = await indexed();
    expect(await open().update(async (index) => index.search('launch').length)).toBe(1);
    expect(notices).toEqual([]);
  });

  // `head -c100 /dev/urandom > $CHAT_HOME/search-*.bin` made every `chat search` exit 1 "…bin is
  // damaged or was written with another key", for good.
  it('sets a damaged index aside (renamed, kept), says so once, and starts an empty one that is saved', async () => {
    const { home, file, notices, open } = await indexed();
    const garbage = randomBytes(100);
    await writeFile(file, garbage);
    expect(await open().update(async (index) => index.search('launch').length)).toBe(0);
    expect(notices).toEqual([{ path: file, setAside: expect.stringMatching(/\.bin\.damaged-[\dTZ-]+$/) }]);
    expect(await readFile(notices[0]!.setAside)).toEqual(garbage);
    // The new index opens: the next run is not told again, and sees what the rebuild added.
    await open().update(async (index) => index.add(message));
    expect(await open().update(async (index) => index.search('launch').length)).toBe(1);
    expect(notices).toHaveLength(1);
    // Signing out (forgetting the device) leaves nothing of it, set aside or not.
    await open().destroy();
    expect((await readdir(home)).filter((f) => f.startsWith('search-'))).toEqual([]);
  });

  it('sets aside an index whose key is gone from the keystore', async () => {
    const { file, secrets, notices, open } = await indexed();
    await secrets.delete('test:default:search-key');
    expect(await open().update(async (index) => index.search('launch').length)).toBe(0);
    expect(notices).toEqual([{ path: file, setAside: expect.stringContaining('.damaged-') }]);
    expect(await open().update(async (index) => index.search('launch').length)).toBe(0);
    expect(notices).toHaveLength(1);
  });
});
