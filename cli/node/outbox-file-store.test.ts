import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeOutboxStoreContract } from '../../shared/client/outbox-store.contract.js';
import { tempDir } from '../../test/support/binaries.js';
import { memorySecrets } from '../../test/support/memory-secrets.js';
import { OutboxFileStore } from './outbox-file-store.js';

describeOutboxStoreContract('sealed files', async () => {
  const home = await tempDir('outbox');
  const secrets = memorySecrets();
  return { store: new OutboxFileStore(secrets, 'http://chat.test:default', home), reopen: () => new OutboxFileStore(secrets, 'http://chat.test:default', home) };
});

describe('OutboxFileStore', () => {
  const item = { clientMsgId: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c', roomId: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d', private: true, text: 'a secret plan', queuedAt: 5 };

  it('keeps no message readable at rest', async () => {
    const home = await tempDir('outbox');
    await new OutboxFileStore(memorySecrets(), 'acct', home).put(item);
    const [dir] = await readdir(home);
    const raw = await readFile(join(home, dir as string, `${item.clientMsgId}.bin`));
    expect(raw.toString('latin1')).not.toContain('secret plan');
  });

  it('leaves out, and leaves on disk, a record that does not open', async () => {
    const home = await tempDir('outbox');
    const store = new OutboxFileStore(memorySecrets(), 'acct', home);
    await store.put(item);
    const [dir] = await readdir(home);
    const other = join(home, dir as string, '1b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c.bin');
    await writeFile(other, 'damaged');
    expect(await store.list()).toEqual([item]);
    expect(await readFile(other, 'utf8')).toBe('damaged');
  });
});
