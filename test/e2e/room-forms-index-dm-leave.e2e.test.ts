import { readdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, registerUsers, startServer, tempDir } from '../support/binaries.js';

/** A tester's report, replayed with the built binaries: every <room> form, a damaged index, a DM the other left. */
describe('chat: room forms, a damaged search index, a direct message the other person left', () => {
  let dir: string;
  let server: ServerProcess;
  let alice: Record<string, string>;
  let bob: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir('fxd');
    server = await startServer({ dataDir: join(dir, 'data') });
    [alice, bob] = await registerUsers(dir, server.url, ['alice', 'bob']);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  const seqOf = async (env: Record<string, string>, room: string, text: string) => {
    const r = await chat(env, ['--json', 'send', room, text]);
    expect(r.code, r.stderr).toBe(0);
    return String((JSON.parse(r.stdout) as { seq: number }).seq);
  };

  // `chat edit '#general' 7 x` and `chat delete @bob 4` exited 5 "there is no room "#general"".
  it('edit, react and delete take #name and @user', { timeout: 240_000 }, async () => {
    expect((await chat(alice, ['create', 'general'])).code).toBe(0);
    const seq = await seqOf(alice, 'general', 'first draft');
    const edited = await chat(alice, ['edit', '#general', seq, 'second draft']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toMatch(/^Edited #\d+ in #general/);
    expect((await chat(alice, ['react', '#general', seq, '👍'])).code).toBe(0);
    const dmSeq = await seqOf(alice, '@bob', 'a secret for bob');
    const deleted = await chat(alice, ['delete', '@bob', dmSeq]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`Deleted #${dmSeq} in @bob.\n`);
  });

  // `head -c100 /dev/urandom > $CHAT_HOME/search-*.bin` stopped `chat search` for good.
  it('sets a damaged search index aside and rebuilds it, saying so once', { timeout: 240_000 }, async () => {
    await seqOf(alice, '@bob', 'the quetzal plan');
    expect((await chat(alice, ['search', 'quetzal'])).code).toBe(0);
    const home = alice.CHAT_HOME as string;
    const index = (await readdir(home)).find((f) => /^search-.*\.bin$/.test(f)) as string;
    await writeFile(join(home, index), randomBytes(100));
    const first = await chat(alice, ['search', 'quetzal']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/quetzal/);
    expect(first.stderr).toMatch(/could not be opened .* moved it to .*\.damaged-.* rebuilding it from the messages/);
    expect((await readdir(home)).some((f) => f.startsWith(`${index}.damaged-`))).toBe(true);
    const second = await chat(alice, ['search', 'quetzal']);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/could not be opened/);
  });

  // `bob leave @alice`, then `alice send @bob "after bob left"` answered "Sent".
  it('refuses a message to a direct message the other person left', { timeout: 240_000 }, async () => {
    expect((await chat(bob, ['leave', '@alice'])).code).toBe(0);
    const refused = await chat(alice, ['send', '@bob', 'after bob left']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/@bob has left your direct messages; they would not see this, so it was not sent/);
    expect((await chat(bob, ['dm', 'alice'])).code).toBe(0);
    await seqOf(alice, '@bob', 'bob is back');
    const read = await chat(bob, ['read', '@alice']);
    expect(read.stdout).toMatch(/bob is back/);
    expect(read.stdout).not.toMatch(/after bob left/);
  });
});
