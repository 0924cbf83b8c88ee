import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/binaries.js';
import { memorySecrets } from '../../test/support/memory-secrets.js';
import { DraftBook } from '../tui/state/drafts.js';
import { DraftFile } from './draft-file.js';

describe('DraftFile', () => {
  it('keeps the drafts sealed, owner-only, across a restart, and removes them with the device', async () => {
    const home = await tempDir('drafts');
    const secrets = memorySecrets();
    const book = await DraftBook.open(new DraftFile(secrets, 'http://chat.test:default', home));
    book.set('room-1', { text: 'a secret plan', cursor: 3 });
    await book.flush();
    const [name] = await readdir(home);
    const path = join(home, name as string);
    expect((await readFile(path)).toString('latin1')).not.toContain('secret plan');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await DraftBook.open(new DraftFile(secrets, 'http://chat.test:default', home));
    expect(again.get('room-1')).toEqual({ text: 'a secret plan', cursor: 3 });
    await new DraftFile(secrets, 'http://chat.test:default', home).destroy();
    expect(await readdir(home)).toEqual([]);
  });
});
