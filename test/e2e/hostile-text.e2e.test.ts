import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, MemorySessionStore } from '../../shared/client/index.js';
import type { ChatResult } from '../support/binaries.js';
import { chat, tempDir, userEnv } from '../support/binaries.js';
import { FAKE_CONTINUATION, forbiddenIn, HOSTILE, HOSTILE_MESSAGES, HOSTILE_TOPIC, LEGIT } from '../support/hostile-strings.js';
import { addNamedDevices } from '../support/hostile-devices.js';
import type { TamperingServer } from '../support/tampering-server.js';
import { startTamperingServer } from '../support/tampering-server.js';

// The hostile fixture set against every command of the `chat` binary that prints what the server or
// other users wrote: topics, message bodies, device names, error messages. The server is one whose
// database the test rewrites (test/support/tampering-server.ts): a malicious or compromised server, or
// rows stored before the edge checked text, can hand a client any string.
const PASSWORD = 'correct horse battery staple';

/** Everything a run printed, checked for raw control, bidi and invisible characters. */
function expectInert(r: ChatResult, what: string): void {
  expect(forbiddenIn(r.stdout), `${what}: stdout`).toEqual([]);
  expect(forbiddenIn(r.stderr), `${what}: stderr`).toEqual([]);
}

describe('hostile text from the server, printed by the chat binary', () => {
  let tampering: TamperingServer;
  let alice: Record<string, string>;

  beforeAll(async () => {
    const dir = await tempDir('hostile');
    tampering = await startTamperingServer({ dataDir: join(dir, 'data'), env: { CHAT_AUTH_RATE_LIMIT: '1000', OPENAI_API_KEY: '', OPENAI_BASE_URL: '' } });
    alice = userEnv(join(dir, 'alice'), tampering.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], PASSWORD + '\n')).code).toBe(0);
    // The honest server refuses control characters in topics and device names (see the test below), so
    // they are created benign and then rewritten in the database, as a compromised server would.
    const created = await chat(alice, ['create', 'lobby', '--topic', 'benign']);
    expect(created.code, created.stderr).toBe(0);
    await tampering.setTopic('lobby', HOSTILE_TOPIC);

    // Bob, through the client library, says every hostile thing in #lobby (bodies keep their escapes).
    const bob = new ApiClient({ serverUrl: tampering.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
    await bob.register({ username: 'bob', password: PASSWORD, deviceName: 'bob laptop' });
    const bobSession = await bob.session();
    if (!bobSession) throw new Error('bob has no session');
    await tampering.setDeviceName(bobSession.deviceId, `${LEGIT.family} ${HOSTILE.osc0Title}`);
    await bob.join('lobby');
    for (const body of [...HOSTILE_MESSAGES, FAKE_CONTINUATION]) await bob.send('lobby', body, crypto.randomUUID());

    // Alice's other devices carry hostile names (each at most 64 characters).
    const deviceNames = Object.values(HOSTILE).map((h) => (h.length + 9 <= 64 ? `${LEGIT.family} ${h}` : h));
    const deviceIds = await addNamedDevices(tampering.url, 'alice', PASSWORD, deviceNames.map((_, i) => `alice device ${i + 1}`));
    for (const [i, name] of deviceNames.entries()) await tampering.setDeviceName(deviceIds[i] ?? 'no such device', name);

    // A private room with the same topic, and the same messages, end to end encrypted.
    const secret = await chat(alice, ['create', 'secret', '--private', '--topic', 'benign']);
    expect(secret.code, secret.stderr).toBe(0);
    await tampering.setTopic('secret', HOSTILE_TOPIC);
    expect((await chat(alice, ['send', 'secret'], [...HOSTILE_MESSAGES, FAKE_CONTINUATION].join('\n'))).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await tampering?.stop();
  });

  // Each command, and whether its output carries hostile text (shown as ^X or ⟨U+XXXX⟩, or \u in JSON).
  const COMMANDS: readonly (readonly [string[], boolean])[] = [
    [['rooms'], true],
    [['rooms', '--all'], true],
    [['members', 'lobby'], false],
    [['keys'], true],
    [['whoami'], false],
    [['invite', 'lobby'], false],
    [['invites', 'lobby'], false],
    [['read', 'lobby', '--limit', '100'], true],
    [['read', 'secret', '--limit', '100'], true],
    [['search', 'invoice or honest or hello or zero or title or clip'], true],
    [['summarize', 'lobby'], true],
    [['summarize', 'secret'], true],
    [['--json', 'rooms'], true],
    [['--json', 'keys'], true],
    [['--json', 'read', 'lobby', '--limit', '100'], true],
    [['--json', 'read', 'secret', '--limit', '100'], true],
    [['--json', 'search', 'invoice or honest or hello'], false],
    [['--json', 'summarize', 'lobby'], true],
  ];
  it.each(COMMANDS.map(([args, hostile]) => ({ command: args.join(' '), args, hostile })))(
    'chat $command prints no raw control, bidi or invisible character',
    async ({ args, hostile }) => {
      const r = await chat(alice, args);
      expect(r.code, r.stderr).toBe(0);
      expectInert(r, args.join(' '));
      if (hostile) expect(r.stdout).toMatch(args[0] === '--json' ? /\\u(001b|009b|202e|200b)/ : /\^\[|⟨U\+/);
    },
    30_000,
  );

  it('keeps ZWJ emoji and Persian with ZWNJ intact, in topics, bodies and device names', async () => {
    for (const args of [['rooms'], ['read', 'lobby', '--limit', '100'], ['read', 'secret', '--limit', '100'], ['keys']]) {
      const r = await chat(alice, args);
      expect(r.stdout, args.join(' ')).toContain(LEGIT.family);
      if (args[0] !== 'keys') expect(r.stdout, args.join(' ')).toContain(LEGIT.persian);
    }
    const json = await chat(alice, ['--json', 'read', 'lobby', '--limit', '100']);
    const bodies = (JSON.parse(json.stdout) as { events: { body: string | null }[] }).events.map((e) => e.body);
    expect(bodies).toEqual(expect.arrayContaining([...HOSTILE_MESSAGES, FAKE_CONTINUATION]));
  }, 30_000);

  it('prints every line of a multi-line message indented under its text, in open and private rooms', async () => {
    for (const room of ['lobby', 'secret']) {
      const r = await chat(alice, ['read', room, '--limit', '100']);
      const posing = r.stdout.split('\n').filter((l) => l.includes('mallory:'));
      expect(posing, room).toHaveLength(2);
      for (const l of posing) expect(l, room).toMatch(/^ {18}\S/);
    }
  }, 30_000);

  it('prints the real count of devices, whatever their names', async () => {
    const r = await chat(alice, ['keys']);
    const counts = r.stdout.split('\n').filter((l) => l.includes('Your devices with published keys:'));
    expect(counts[0]).toBe(`Your devices with published keys: ${Object.keys(HOSTILE).length + 1}`);
    // The hostile device name's copy of the line stays on that device's own line, behind the visible
    // ^M and ^[[1A that would have moved it over the real count.
    expect(counts).toHaveLength(2);
    expect(counts[1]).toMatch(/^ {4}\S+ laptop\^M\^\[\[1A\^\[\[2KYour devices with published keys: 1 \(/);
  }, 30_000);

  it('prints an error that quotes hostile input inert', async () => {
    for (const args of [['read', HOSTILE.osc0Title], ['members', `${HOSTILE.bidi}x`], ['--json', 'read', HOSTILE.clipboard]]) {
      const r = await chat(alice, args);
      expect(r.code).not.toBe(0);
      expectInert(r, args.join(' '));
    }
  }, 30_000);

  it('refuses, on the honest server, a topic with a control character: exit 2, a clear message, and no room', async () => {
    for (const flags of [[], ['--private']]) {
      const r = await chat(alice, ['create', 'refused', ...flags, '--topic', `plans ${HOSTILE.clearScreen}`]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe('chat: topic: control characters and line breaks are not allowed\n');
      expectInert(r, `create refused ${flags.join(' ')}`);
      expect(await tampering.sql('SELECT name FROM rooms WHERE name = $1', ['refused'])).toEqual([]);
    }
    expect((await chat(alice, ['rooms', '--all'])).stdout).not.toContain('refused');
  }, 30_000);

  it("says, when a private room's topic is set, that the server can read it", async () => {
    const r = await chat(alice, ['create', 'vault', '--private', '--topic', 'plans']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/topic of a private room is not end-to-end encrypted: the server stores it in plain text and can read it/);
    const open = await chat(alice, ['create', 'plaza', '--topic', 'plans']);
    expect(open.stderr).not.toMatch(/can read it/);
    const rooms = (await chat(alice, ['rooms'])).stdout.split('\n');
    expect(rooms.find((l) => l.startsWith('⚿ vault'))).toMatch(/⚠ topic \(not encrypted\): plans$/);
    expect(rooms.find((l) => l.startsWith('#plaza'))).toMatch(/owner {2}plans$/);
  }, 30_000);
});
