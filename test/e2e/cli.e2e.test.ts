import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomEvent } from '../../shared/protocol/index.js';
import type { ServerProcess } from '../support/binaries.js';
import { chat, eventually, spawnChat, startServer, tempDir, userEnv } from '../support/binaries.js';

const PASSWORD = 'correct horse battery staple\n';

describe('the chat binary against a started chat-server', () => {
  let dir: string;
  let server: ServerProcess;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let carol: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir('e2e');
    server = await startServer({ dataDir: join(dir, 'data') });
    alice = userEnv(join(dir, 'alice'), server.url);
    bob = userEnv(join(dir, 'bob'), server.url);
    carol = userEnv(join(dir, 'carol'), server.url);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('streams in order what others send, survives a server restart with nothing lost or repeated', async () => {
    for (const [env, name] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) {
      const r = await chat(env, ['register', name, '--password-stdin'], PASSWORD);
      expect(r.stdout, r.stderr).toContain(`signed in as ${name}`);
      expect(r.code).toBe(0);
    }
    expect((await chat(alice, ['create', 'general', '--topic', 'Everything'])).code).toBe(0);
    expect((await chat(bob, ['join', 'general'])).code).toBe(0);

    const follower = spawnChat(bob, ['--json', 'read', 'general', '--follow']);
    const bodies = () =>
      follower
        .lines()
        .map((l) => RoomEvent.parse(JSON.parse(l)))
        .filter((e) => e.kind === 'message')
        .map((e) => e.body);
    // The follower prints history first; once it is live, the first message arrives.
    await eventually(() => (follower.lines().length >= 2 ? true : undefined), 'the follower to print history');
    expect((await chat(alice, ['send', 'general', 'm1'])).code).toBe(0);
    await eventually(() => (bodies().includes('m1') ? true : undefined), 'm1 to reach the follower');
    for (const m of ['m2', 'm3', 'm4']) expect((await chat(alice, ['send', 'general', m])).code).toBe(0);
    expect((await chat(alice, ['send', 'general'], 'a multi-line\nmessage\n')).code).toBe(0);
    await eventually(() => (bodies().length === 5 ? true : undefined), 'm2..m4 and the multi-line message');

    // Restart the server on the same port and data dir; the follower reconnects and resumes.
    expect(await server.stop()).toBe(0);
    server = await startServer({ dataDir: join(dir, 'data'), port: server.port });
    for (const m of ['m5', 'm6']) {
      const r = await chat(alice, ['send', 'general', m]);
      expect(r.code, r.stderr).toBe(0);
    }
    const expected = ['m1', 'm2', 'm3', 'm4', 'a multi-line\nmessage', 'm5', 'm6'];
    await eventually(() => (bodies().length >= expected.length ? true : undefined), 'the follower to resume after the restart', 30_000);
    expect(bodies()).toEqual(expected);
    const seqs = follower.lines().map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(await follower.interrupt()).toBe(0);
    expect(follower.stderr()).toMatch(/reconnect/);

    // History is intact after the restart.
    const history = await chat(bob, ['--json', 'read', 'general', '--limit', '100']);
    expect(history.code).toBe(0);
    const page = JSON.parse(history.stdout) as { events: RoomEvent[] };
    expect(page.events.filter((e) => e.kind === 'message').map((e) => e.body)).toEqual(expected);
    expect(page.events.map((e) => e.seq)).toEqual(page.events.map((_, i) => i + 1));
  }, 120_000);

  it('prints readable text by default and only JSON with --json', async () => {
    const text = await chat(bob, ['read', 'general', '--limit', '3']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/alice: m6/);
    const rooms = await chat(bob, ['--json', 'rooms']);
    expect(JSON.parse(rooms.stdout).rooms.map((r: { name: string }) => r.name)).toEqual(['general']);
    const directory = await chat(carol, ['--json', 'rooms', '--all']);
    expect(JSON.parse(directory.stdout).rooms[0]).toMatchObject({ name: 'general', role: null });
    const members = await chat(alice, ['--json', 'members', 'general']);
    expect(JSON.parse(members.stdout).members.map((m: { user: { username: string } }) => m.user.username)).toEqual(['alice', 'bob']);
    const who = await chat(bob, ['--json', 'whoami']);
    expect(JSON.parse(who.stdout).user.username).toBe('bob');
  });

  it('stays signed in across runs and pages back with --before', async () => {
    const older = await chat(bob, ['--json', 'read', 'general', '--before', '4', '--limit', '2']);
    // `--limit` counts messages: the page ends just before seq 4 and goes back to the room's start (a
    // join, a join, one message), since fewer than two messages come before it.
    const events = (JSON.parse(older.stdout) as { events: RoomEvent[] }).events;
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events.filter((e) => e.kind === 'message').length).toBeLessThanOrEqual(2);
  });

  it('exits 4 with a clear message for a wrong password', async () => {
    const r = await chat(userEnv(join(dir, 'mallory'), server.url), ['login', 'alice', '--password-stdin'], 'not the password\n');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('wrong username or password');
  });

  // `chat register bob_` made an account next to `bob`.
  it('refuses to register a look-alike of a taken name, saying which name it is like', async () => {
    const r = await chat(userEnv(join(dir, 'bob-alike'), server.url), ['register', 'Bob_', '--password-stdin'], PASSWORD);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('the username "Bob_" is too like "bob", which is taken');
    const json = await chat(userEnv(join(dir, 'bob-alike2'), server.url), ['--json', 'register', 'b.o.b', '--password-stdin'], PASSWORD);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'username_taken' } });
  });

  it('exits 5 when sending to a room you are not in, or that does not exist', async () => {
    const notMember = await chat(carol, ['send', 'general', 'let me in']);
    expect(notMember.code).toBe(5);
    expect(notMember.stderr).toMatch(/not a member of #general/);
    const missing = await chat(carol, ['--json', 'send', 'nowhere', 'hello?']);
    expect(missing.code).toBe(5);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers a bare `chat` outside a terminal with the subcommands to use, and exit 2', async () => {
    const r = await chat(bob, []);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a terminal.*chat send, chat read --follow/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 on usage errors and 4 when not signed in', async () => {
    expect((await chat(bob, ['read', 'general', '--limit', 'lots'])).code).toBe(2);
    expect((await chat(bob, ['frobnicate'])).code).toBe(2);
    const signedOut = await chat(userEnv(join(dir, 'nobody'), server.url), ['rooms']);
    expect(signedOut.code).toBe(4);
    expect(signedOut.stderr).toMatch(/not signed in/);
  });

  it('names direct messages by the other person, and takes @user and #room where a room is expected', async () => {
    const sent = await chat(alice, ['send', '@carol', 'hi carol']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain('Sent to @carol');
    const rooms = await chat(alice, ['rooms']);
    expect(rooms.stdout).toMatch(/^@carol +1?\d* ?members?/m);
    expect(rooms.stdout).not.toContain('#dm-');
    const json = JSON.parse((await chat(alice, ['--json', 'rooms'])).stdout) as { rooms: { name: string; peer: string | null }[] };
    expect(json.rooms.find((r) => r.name.startsWith('dm-'))?.peer).toBe('carol');
    const read = await chat(carol, ['read', '@alice']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toContain('hi carol');
    expect((await chat(carol, ['members', '@alice'])).stdout).toContain('alice');
    expect((await chat(bob, ['read', '#general', '--limit', '1'])).code).toBe(0);
    expect((await chat(alice, ['send', '#general', 'by #name'])).code).toBe(0);
  });

  it('chat search takes -word unquoted as an exclusion, @user after --from, and "or" alone as a word; refuses an unknown --option', async () => {
    for (const text of ['probe deploy to staging', 'probe deploy to prod', 'probe this or that']) expect((await chat(alice, ['send', '#general', text])).code).toBe(0);
    const found = await chat(bob, ['search', 'probe', 'deploy', '-staging', '--from', '@alice']);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toContain('probe deploy to prod');
    expect(found.stdout).not.toContain('staging');
    const or = await chat(bob, ['--json', 'search', 'probe', 'or']);
    expect(or.code, or.stderr).toBe(0);
    expect((JSON.parse(or.stdout) as { hits: { snippet: { text: string } }[] }).hits.map((h) => h.snippet.text)).toEqual(['probe this or that']);
    const typo = await chat(bob, ['search', 'deploy', '--lmit', '3']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown option "--lmit": chat search takes --room, --from, --since and --limit/);
  });

  it('says "did you mean" for a mistyped room name', async () => {
    const typo = await chat(bob, ['read', 'genral']);
    expect(typo.code).toBe(5);
    expect(typo.stderr).toMatch(/did you mean #general\?/);
    const join = await chat(carol, ['join', '#generl']);
    expect(join.code).toBe(5);
    expect(join.stderr).toMatch(/did you mean #general\?/);
    const none = await chat(bob, ['read', '@nobody-here']);
    expect(none.code).toBe(5);
    expect(none.stderr).toMatch(/no direct messages with @nobody-here/);
  });

  it('takes `chat --server URL` or `chat --profile NAME` alone as the interactive client: exit 2 outside a terminal, not the help', async () => {
    for (const args of [['--server', server.url], ['--profile', 'default'], [`--server=${server.url}`]]) {
      const r = await chat(bob, args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/needs a terminal/);
      expect(r.stdout).toBe('');
    }
  });

  it('leaves and logs out', async () => {
    expect((await chat(bob, ['leave', 'general'])).code).toBe(0);
    expect((await chat(bob, ['read', 'general'])).code).toBe(5);
    const out = await chat(bob, ['logout']);
    expect(out.code).toBe(0);
    expect((await chat(bob, ['whoami'])).code).toBe(4);
  });
});
