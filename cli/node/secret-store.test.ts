import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/binaries.js';
import { EncryptedFileStore, openSecretStore, secretAccount } from './secret-store.js';

describe('EncryptedFileStore', () => {
  it('keeps secrets across instances, and none of them in the clear', async () => {
    const path = join(await tempDir('secrets'), 'secrets.enc');
    await new EncryptedFileStore(path, 'pass phrase').set('a:default', 'refresh-token-value');
    await new EncryptedFileStore(path, 'pass phrase').set('a:work', 'other-value');
    const again = new EncryptedFileStore(path, 'pass phrase');
    expect(await again.get('a:default')).toBe('refresh-token-value');
    expect(await again.get('a:work')).toBe('other-value');
    expect(await again.get('a:none')).toBeNull();
    const raw = await readFile(path, 'utf8');
    expect(raw).not.toContain('refresh-token-value');
    await again.delete('a:default');
    expect(await new EncryptedFileStore(path, 'pass phrase').get('a:default')).toBeNull();
  });

  it('reads back what the same instance just wrote', async () => {
    const store = new EncryptedFileStore(join(await tempDir('secrets'), 'secrets.enc'), 'p');
    await store.set('a', '1');
    expect(await store.get('a')).toBe('1');
    await store.set('b', '2');
    expect([await store.get('a'), await store.get('b')]).toEqual(['1', '2']);
  });

  it('loses no entry when several instances (processes) write at once, from the first write on', async () => {
    const path = join(await tempDir('secrets'), 'secrets.enc');
    const stores = [1, 2, 3].map(() => new EncryptedFileStore(path, 'pass phrase'));
    await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.set(`a:${i}`, `value ${i}`)));
    await Promise.all([stores[0]!.delete('a:0'), stores[1]!.set('a:12', 'value 12'), stores[2]!.delete('a:1')]);
    const reader = new EncryptedFileStore(path, 'pass phrase');
    const values = await Promise.all(Array.from({ length: 13 }, (_, i) => reader.get(`a:${i}`)));
    expect(values).toEqual([null, null, ...Array.from({ length: 11 }, (_, i) => `value ${i + 2}`)]);
  });

  it('refuses a wrong passphrase with a clear error', async () => {
    const path = join(await tempDir('secrets'), 'secrets.enc');
    await new EncryptedFileStore(path, 'right').set('x', 'y');
    await expect(new EncryptedFileStore(path, 'wrong').get('x')).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/CHAT_KEYSTORE_PASSPHRASE/) });
  });
});

describe('openSecretStore', () => {
  it('uses the file when asked, and says it needs the passphrase', async () => {
    const home = await tempDir('home');
    expect((await openSecretStore({ home, env: { CHAT_KEYSTORE: 'file', CHAT_KEYSTORE_PASSPHRASE: 'p' } })).backend).toBe('file');
    await expect(openSecretStore({ home, env: { CHAT_KEYSTORE: 'file' } })).rejects.toMatchObject({ message: expect.stringMatching(/CHAT_KEYSTORE_PASSPHRASE/) });
    await expect(openSecretStore({ home, env: { CHAT_KEYSTORE: 'vault' } })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('names accounts per home so two homes never share a secret', () => {
    expect(secretAccount('/home/a/.config/chat', 'default')).not.toBe(secretAccount('/home/b/.config/chat', 'default'));
  });
});
