import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
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

  // A damaged drafts file was read as none and then overwritten by the next write, without a trace.
  it('sets a damaged drafts file aside (renamed, kept) and starts a new one', async () => {
    const home = await tempDir('drafts');
    const secrets = memorySecrets();
    const book = await DraftBook.open(new DraftFile(secrets, 'http://chat.test:default', home));
    book.set('room-1', { text: 'a plan', cursor: 0 });
    await book.flush();
    const [name] = await readdir(home);
    await writeFile(join(home, name as string), 'damaged');
    const again = await DraftBook.open(new DraftFile(secrets, 'http://chat.test:default', home));
    expect(again.get('room-1')).toBeUndefined();
    again.set('room-2', { text: 'new', cursor: 0 });
    await again.flush();
    const names = await readdir(home);
    const aside = names.find((n) => n.startsWith(`${name as string}.damaged-`));
    expect(aside).toBeDefined();
    expect(await readFile(join(home, aside as string), 'utf8')).toBe('damaged');
    expect((await DraftBook.open(new DraftFile(secrets, 'http://chat.test:default', home))).get('room-2')).toEqual({ text: 'new', cursor: 0 });
  });
});
