import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, eventually, spawnChat, startServer, tempDir, userEnv, registerUsers } from '../support/binaries.js';
import { createTestDatabase, dumpDatabase } from '../support/postgres.js';

const PASSWORD = 'correct horse battery staple\n';

describe('private rooms with the chat binary', () => {
  let dir: string;
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let carol: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir('private');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    [alice, bob, carol] = await registerUsers(dir, server.url, ['alice', 'bob', 'carol']);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('exchanges messages the server cannot read, and shuts a kicked member out', async () => {
    expect((await chat(alice, ['create', 'secret', '--private'])).code).toBe(0);
    const invite = JSON.parse((await chat(alice, ['--json', 'invite', 'secret', '--uses', '1'])).stdout) as { url: string };
    expect(invite.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invite\/[A-Za-z0-9_-]{43}$/);
    expect((await chat(bob, ['join', invite.url])).code).toBe(0);

    const follower = spawnChat(bob, ['--json', 'read', 'secret', '--follow']);
    await eventually(() => (follower.lines().length >= 2 ? true : undefined), 'the follower to print history');
    const secret = `first secret ${randomUUID()}`;
    expect((await chat(alice, ['send', 'secret', secret])).code).toBe(0);
    const decrypted = () => follower.lines().map((l) => JSON.parse(l) as { kind: string; decrypted?: { status: string; body?: string } });
    await eventually(() => (decrypted().some((e) => e.decrypted?.body === secret) ? true : undefined), 'Bob to decrypt the message live');

    const reply = `reply ${randomUUID()}`;
    expect((await chat(bob, ['send', 'secret', reply])).code).toBe(0);
    const aliceView = await chat(alice, ['read', 'secret']);
    expect(aliceView.stdout).toContain(`bob: ${reply}`);
    expect(aliceView.stdout).toContain(`alice: ${secret}`);

    const dump = await dumpDatabase(db.url);
    expect(dump).toContain('"kind":"message"');
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(reply);

    // Alice removes Bob, then writes again: Bob's follower is cut off, and nothing new reaches him.
    const kickedAt = new Date();
    expect((await chat(alice, ['kick', 'secret', 'bob'])).code).toBe(0);
    expect(await eventually(() => follower.proc.exitCode ?? undefined, 'the follower to stop')).toBe(5);
    const afterKick = `after the kick ${randomUUID()}`;
    expect((await chat(alice, ['send', 'secret', afterKick])).code).toBe(0);
    const bobRead = await chat(bob, ['read', 'secret']);
    expect(bobRead.code).toBe(5);
    // Told why, and by whom, not that there is no such room; the follower was told the same.
    expect(bobRead.stderr).toContain('you were removed from #secret by alice');
    expect(follower.stderr()).toContain('you were removed from #secret by alice');
    const history = JSON.parse((await chat(alice, ['--json', 'read', 'secret'])).stdout) as { events: { kind: string; envelope: { keyId: string } | null; decrypted?: { body?: string } }[] };
    const messages = history.events.filter((e) => e.kind === 'message');
    const before = messages.find((e) => e.decrypted?.body === secret);
    const after = messages.find((e) => e.decrypted?.body === afterKick);
    // A new chain after the removal, shared with nobody but the remaining members' devices (none here).
    expect(after?.envelope?.keyId).toBeDefined();
    expect(after?.envelope?.keyId).not.toBe(before?.envelope?.keyId);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM key_shares WHERE share->>'recipientUser' = (SELECT id::text FROM users WHERE username = 'bob') AND created_at >= $1`,
      [kickedAt],
    );
    await client.end();
    expect(rows[0].n).toBe(0);
  }, 120_000);

  it('tells about a member\'s new, unapproved device even when nobody verified them', async () => {
    // Dave joins, Alice reads (and so knows his one device), then Dave signs in on a second device.
    const dave = userEnv(join(dir, 'dave0'), server.url);
    expect((await chat(dave, ['register', 'dave0', '--password-stdin'], PASSWORD)).code).toBe(0);
    const link = JSON.parse((await chat(alice, ['--json', 'invite', 'secret'])).stdout) as { url: string };
    expect((await chat(dave, ['join', link.url])).code).toBe(0);
    expect((await chat(alice, ['read', 'secret'])).code).toBe(0); // Alice now knows Dave's one device
    const dave2 = userEnv(join(dir, 'dave0b'), server.url);
    expect((await chat(dave2, ['login', 'dave0', '--password-stdin'], PASSWORD)).code).toBe(0);
    const seen = await chat(alice, ['read', 'secret']);
    expect(seen.stderr).toMatch(/\* dave0 has 1 new device they have not approved in #secret: it gets no keys from you/);
    expect((await chat(alice, ['read', 'secret'])).stderr).not.toMatch(/dave0 has 1 new device/); // said once
  }, 60_000);

  it('keeps a later member from reading what came before', async () => {
    const invite = JSON.parse((await chat(alice, ['--json', 'invite', 'secret'])).stdout) as { url: string };
    expect((await chat(carol, ['join', invite.url])).code).toBe(0);
    const welcome = `welcome carol ${randomUUID()}`;
    expect((await chat(alice, ['send', 'secret', welcome])).code).toBe(0);
    const view = JSON.parse((await chat(carol, ['--json', 'read', 'secret'])).stdout) as { events: { kind: string; decrypted?: { status: string; body?: string } }[] };
    const statuses = view.events.filter((e) => e.kind === 'message').map((e) => e.decrypted);
    expect(statuses.at(-1)).toMatchObject({ status: 'ok', body: welcome });
    // Labelled at once, at the first read: sent before carol joined (no "waiting" for a key that never comes).
    expect(statuses.slice(0, -1).map((s) => s?.status)).toEqual(statuses.slice(0, -1).map(() => 'before_join'));
    expect(statuses.length).toBeGreaterThan(1);
  }, 60_000);

  // --follow printed the history it starts with one event a line ("alice edited #2: [sent before you
  // joined]" under the message), while plain `chat read` folded the edit into its message.
  it('labels an edited message sent before the reader joined alike with and without --follow', async () => {
    expect((await chat(alice, ['create', 'drafts', '--private'])).code).toBe(0);
    expect((await chat(alice, ['send', 'drafts', 'plan A'])).code).toBe(0);
    const sent = JSON.parse((await chat(alice, ['--json', 'read', 'drafts'])).stdout) as { events: { seq: number; kind: string }[] };
    const seq = String(sent.events.find((e) => e.kind === 'message')!.seq);
    expect((await chat(alice, ['edit', 'drafts', seq, 'plan B'])).code).toBe(0);
    const erin = userEnv(join(dir, 'erin'), server.url);
    expect((await chat(erin, ['register', 'erin', '--password-stdin'], PASSWORD)).code).toBe(0);
    const invite = JSON.parse((await chat(alice, ['--json', 'invite', 'drafts'])).stdout) as { url: string };
    expect((await chat(erin, ['join', invite.url])).code).toBe(0);

    const plain = (await chat(erin, ['read', 'drafts', '--no-mark-read'])).stdout.split('\n').filter(Boolean);
    expect(plain.join('\n')).toContain(`alice: [sent before you joined] (edited) #${seq}`);
    const follower = spawnChat(erin, ['read', 'drafts', '--follow', '--no-mark-read']);
    await eventually(() => (follower.lines().length >= plain.length ? true : undefined), 'the follower to print the history');
    await follower.interrupt();
    expect(follower.lines()).toEqual(plain);

    // A reply whose target is before the page: its quote is fetched on its own, by both.
    expect((await chat(alice, ['send', 'drafts', '--reply-to', seq, 'see above'])).code).toBe(0);
    const read = await chat(erin, ['read', 'drafts', '--limit', '1', '--no-mark-read']);
    expect(read.code, read.stderr).toBe(0);
    const page = read.stdout.split('\n').filter(Boolean);
    expect(page.join('\n'), read.stderr).toContain(`┌ reply to #${seq} alice: [sent before you joined]`);
    const limited = spawnChat(erin, ['read', 'drafts', '--follow', '--limit', '1', '--no-mark-read']);
    await eventually(() => (limited.lines().length >= page.length ? true : undefined), 'the follower to print the page');
    await limited.interrupt();
    expect(limited.lines()).toEqual(page);
  }, 60_000);

  it('shows a message the server re-inserts once: copies are replays, and one moved into a DM is refused there', async () => {
    expect((await chat(alice, ['create', 'replays', '--private'])).code).toBe(0);
    const invite = JSON.parse((await chat(alice, ['--json', 'invite', 'replays'])).stdout) as { url: string };
    expect((await chat(bob, ['join', invite.url])).code).toBe(0);
    const secret = `say it once ${randomUUID()}`;
    expect((await chat(alice, ['send', 'replays', secret])).code).toBe(0);
    type Read = { events: { id: string; kind: string; decrypted?: { status: string; body?: string; firstEventId?: string; sentIn?: string } }[] };
    const read = async (who: Record<string, string>, room: string) => JSON.parse((await chat(who, ['--json', 'read', room])).stdout) as Read;
    const original = (await read(bob, 'replays')).events.find((e) => e.decrypted?.body === secret)!;
    expect(original).toBeDefined();
    const dm = JSON.parse((await chat(alice, ['--json', 'dm', 'bob'])).stdout) as { room: { id: string; name: string } };

    // The server puts the same envelope in again, twice in its room and once in Alice and Bob's DM.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ room_id: string }>(`SELECT room_id FROM room_events WHERE id = $1`, [original.id]);
    for (const room of [rows[0]!.room_id, rows[0]!.room_id, dm.room.id]) {
      await client.query(
        `WITH bumped AS (UPDATE rooms SET head_seq = head_seq + 1 WHERE id = $2 RETURNING head_seq)
         INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, envelope, client_msg_id)
         SELECT $3, $2, bumped.head_seq, 'message', e.sender_id, NULL, e.envelope, NULL FROM bumped, room_events e WHERE e.id = $1`,
        [original.id, room, randomUUID()],
      );
    }
    await client.end();

    for (const who of [bob, alice]) {
      const messages = (await read(who, 'replays')).events.filter((e) => e.kind === 'message');
      expect(messages.filter((e) => e.decrypted?.body === secret).map((e) => e.id)).toEqual([original.id]);
      expect(messages.filter((e) => e.decrypted?.status === 'replayed').map((e) => e.decrypted?.firstEventId)).toEqual([original.id, original.id]);
      const inDm = (await read(who, dm.room.name)).events.filter((e) => e.kind === 'message');
      expect(inDm.map((e) => e.decrypted)).toEqual([{ status: 'wrong_room', sentIn: rows[0]!.room_id }]);
    }
    const text = await chat(bob, ['read', 'replays']);
    expect(text.stdout.split(secret)).toHaveLength(2);
    expect(text.stdout.match(/\[replayed message: a copy of one already shown\]/g)).toHaveLength(2);
    const dmText = await chat(bob, ['read', dm.room.name]);
    expect(dmText.stdout).toContain('[replayed from another room: not shown here]');
    expect(dmText.stdout).not.toContain(secret);
  }, 90_000);

  it('refuses reused, revoked and expired invites with a clear message', async () => {
    const dave = userEnv(join(dir, 'dave'), server.url);
    expect((await chat(dave, ['register', 'dave', '--password-stdin'], PASSWORD)).code).toBe(0);
    const once = JSON.parse((await chat(alice, ['--json', 'invite', 'secret', '--uses', '1'])).stdout) as { url: string; invite: { id: string } };
    expect((await chat(dave, ['join', once.url])).code).toBe(0);
    const eve = userEnv(join(dir, 'eve'), server.url);
    expect((await chat(eve, ['register', 'eve', '--password-stdin'], PASSWORD)).code).toBe(0);
    const reused = await chat(eve, ['join', once.url]);
    expect(reused.code).toBe(5);
    expect(reused.stderr).toMatch(/used as many times as it allows/);

    const revoked = JSON.parse((await chat(alice, ['--json', 'invite', 'secret'])).stdout) as { url: string; invite: { id: string } };
    expect((await chat(alice, ['invites', 'secret', '--revoke', revoked.invite.id])).code).toBe(0);
    const refused = await chat(eve, ['join', revoked.url]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/revoked/);

    const token = 'x'.repeat(43);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ id: string; owner_id: string }>(`SELECT id, owner_id FROM rooms WHERE name = 'secret'`);
    await client.query(`INSERT INTO invites (id, room_id, token_hash, created_by, expires_at, max_uses) VALUES ($1, $2, $3, $4, now() - interval '1 minute', 5)`, [
      randomUUID(),
      rows[0]?.id,
      createHash('sha256').update(token).digest('hex'),
      rows[0]?.owner_id,
    ]);
    await client.end();
    const expired = await chat(eve, ['join', `${server.url}/invite/${token}`]);
    expect(expired.code).toBe(5);
    expect(expired.stderr).toMatch(/expired/);
    const listed = await chat(alice, ['invites', 'secret']);
    expect(listed.stdout).toMatch(/revoked/);
  }, 60_000);

  it('opens a direct-message room and shows matching safety numbers to both sides', async () => {
    const dm = JSON.parse((await chat(alice, ['--json', 'dm', 'carol'])).stdout) as { room: { name: string; visibility: string } };
    expect(dm.room.visibility).toBe('private');
    const text = `just us ${randomUUID()}`;
    expect((await chat(alice, ['send', dm.room.name, text])).code).toBe(0);
    expect((await chat(carol, ['read', dm.room.name])).stdout).toContain(`alice: ${text}`);
    const a = JSON.parse((await chat(alice, ['--json', 'verify', 'carol'])).stdout) as { safetyNumber: string; verified: boolean };
    const c = JSON.parse((await chat(carol, ['--json', 'verify', 'alice'])).stdout) as { safetyNumber: string };
    expect(a.safetyNumber).toMatch(/^\d{60}$/);
    expect(a.safetyNumber).toBe(c.safetyNumber);
    expect(a.verified).toBe(false);
    expect(JSON.parse((await chat(alice, ['--json', 'verify', 'carol', '--confirm'])).stdout)).toMatchObject({ verified: true });

    // Carol signs in on a second device: her identity does not change, so Alice's verification stands,
    // and the device gets nothing until Carol approves it.
    const carol2 = userEnv(join(dir, 'carol2'), server.url);
    expect((await chat(carol2, ['login', 'carol', '--password-stdin'], PASSWORD)).code).toBe(0);
    const warned = await chat(alice, ['send', dm.room.name, 'still you?']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).not.toMatch(/WARNING/);
    expect(warned.stderr).toMatch(/\* carol has 1 new device they have not approved/);
    expect((await chat(carol2, ['read', dm.room.name])).stdout).not.toContain('alice: still you?');
    const keys = JSON.parse((await chat(carol, ['--json', 'keys'])).stdout) as { devices: unknown[]; fingerprint: string };
    expect(keys.devices).toHaveLength(2);
    expect(keys.fingerprint).toMatch(/^\d{30}$/);
  }, 60_000);

  it("starts a fresh device state when signing in again after revoking this device, and a new identity lets others read its messages", async () => {
    const frank = userEnv(join(dir, 'frank'), server.url);
    expect((await chat(frank, ['register', 'frank', '--password-stdin'], PASSWORD)).code).toBe(0);
    expect((await chat(frank, ['create', 'relogin', '--private'])).code).toBe(0);
    const invite = JSON.parse((await chat(frank, ['--json', 'invite', 'relogin'])).stdout) as { url: string };
    expect((await chat(bob, ['join', invite.url])).code).toBe(0);
    expect((await chat(frank, ['send', 'relogin', 'before the revoke'])).code).toBe(0);
    expect((await chat(bob, ['read', 'relogin'])).stdout).toContain('frank: before the revoke');

    const old = (JSON.parse((await chat(frank, ['--json', 'whoami'])).stdout) as { deviceId: string }).deviceId;
    expect((await chat(frank, ['keys', '--revoke', old])).code).toBe(0);
    const again = await chat(frank, ['login', 'frank', '--password-stdin'], PASSWORD);
    expect(again.code, again.stderr).toBe(0);
    // No approved device of frank's is left (and no recovery key here): he starts a new identity.
    expect((await chat(frank, ['devices', 'reset-identity'])).code).toBe(0);
    const text = `after signing in again ${randomUUID()}`;
    const sent = await chat(frank, ['send', 'relogin', text]);
    expect(sent.code, sent.stderr).toBe(0);
    type Read = { events: { kind: string; decrypted?: { status: string; body?: string } }[] };
    const view = JSON.parse((await chat(bob, ['--json', 'read', 'relogin'])).stdout) as Read;
    expect(view.events.filter((e) => e.kind === 'message').at(-1)?.decrypted).toMatchObject({ status: 'ok', body: text });
    expect((await chat(frank, ['read', 'relogin'])).stdout).toContain(`frank: ${text}`);
  }, 60_000);
});
