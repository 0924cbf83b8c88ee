import { cp, readdir, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, registerUsers, startServer, tempDir } from '../support/binaries.js';

/** A tester's report, replayed with the built binaries: every <room> form, a damaged index, a DM the other left, a copied device. */
describe('chat: room forms, a damaged search index, a direct message the other person left, a copied device', () => {
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

  // `bob leave @alice`, then `alice send @bob "after bob left"` answered "Sent". Retried with the same
  // --id once bob was back, it answered "Sent (encrypted)" in the refused envelope: bob waited for its key for good.
  it('refuses a message to a direct message the other person left, and seals its retry afresh once they are back', { timeout: 240_000 }, async () => {
    const id = '00000000-0000-4000-8000-0000000000f1';
    expect((await chat(bob, ['leave', '@alice'])).code).toBe(0);
    const refused = await chat(alice, ['send', '@bob', '--id', id, 'after bob left']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/@bob has left your direct messages; they would not see this, so it was not sent/);
    expect((await chat(bob, ['dm', 'alice'])).code).toBe(0);
    await seqOf(alice, '@bob', 'bob is back');
    const read = await chat(bob, ['read', '@alice']);
    expect(read.stdout).toMatch(/bob is back/);
    expect(read.stdout).not.toMatch(/after bob left/);
    const retried = await chat(alice, ['send', '@bob', '--id', id, 'after bob left']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/^Sent to @bob \(seq \d+, encrypted\)/);
    const again = await chat(bob, ['read', '@alice']);
    expect(again.stdout).toMatch(/after bob left/);
    expect(again.stdout).not.toMatch(/waiting for the key|sent before you joined/);
  });

  // Two copies of one CHAT_HOME sent with the same message key; the server took both, bob could open one.
  it('refuses the copy of a device that sends with a key the original used, and says what to do', { timeout: 240_000 }, async () => {
    expect((await chat(alice, ['create', 'vault', '--private'])).code).toBe(0);
    const invite = JSON.parse((await chat(alice, ['--json', 'invite', 'vault'])).stdout) as { url: string };
    expect((await chat(bob, ['join', invite.url])).code).toBe(0);
    await seqOf(alice, 'vault', 'before the copy');
    // The keystore names its entries by CHAT_HOME's path: a copy is made at the same path, as on another
    // machine, by keeping an older copy and putting it back (what a restore from a backup does too).
    const home = alice.CHAT_HOME as string;
    await cp(home, join(dir, 'alice-older'), { recursive: true });
    await seqOf(alice, 'vault', 'from the original');
    await rename(home, join(dir, 'alice-newer'));
    await cp(join(dir, 'alice-older'), home, { recursive: true });
    const id = '00000000-0000-4000-8000-0000000000f2';
    const refused = await chat(alice, ['send', 'vault', '--id', id, 'from the copy']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/another copy of this device already sent a message to #vault with the same encryption key/);
    expect(refused.stderr).toMatch(/This copy now sends to #vault under a new encryption key, so sending again goes through:\n {2}chat send vault --id 0{8}-0{4}-4000-8000-0{10}f2 -- 'from the copy'/);
    const read = await chat(bob, ['read', 'vault']);
    expect(read.stdout).toMatch(/from the original/);
    expect(read.stdout).not.toMatch(/from the copy|already read/);
    // The refusal started a new chain on the copy: its retry and its next message go through, and the
    // original, on the old chain, no longer collides with the copy's messages (both were refused before).
    const retried = await chat(alice, ['send', 'vault', '--id', id, 'from the copy']);
    expect(retried.code, retried.stderr).toBe(0);
    await seqOf(alice, 'vault', 'the copy again');
    await rename(home, join(dir, 'alice-copy'));
    await rename(join(dir, 'alice-newer'), home);
    await seqOf(alice, 'vault', 'the original again');
    const after = await chat(bob, ['read', 'vault']);
    for (const text of ['from the original', 'from the copy', 'the copy again', 'the original again']) expect(after.stdout).toMatch(text);
    expect(after.stdout).not.toMatch(/already read|waiting for the key|replayed/);
  });
});
