import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, registerUsers } from '../support/binaries.js';
import { createTestDatabase, dumpDatabase } from '../support/postgres.js';


interface ReadEvent {
  seq: number;
  kind: string;
  body: string | null;
  envelope: unknown;
  relation?: { type: string; seq: number } | null;
  text?: string | null;
  edited?: boolean;
  deleted?: boolean;
  reactions?: { key: string; count: number }[];
  replyTo?: { seq: number; text: string | null } | null;
}

describe('edit, delete, react and reply with the chat binary', () => {
  let dir: string;
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let alice: Record<string, string>;
  let bob: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir('relations');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    [alice, bob] = await registerUsers(dir, server.url, ['alice', 'bob']);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const readJson = async (env: Record<string, string>, room: string, extra: string[] = []) =>
    (JSON.parse((await chat(env, ['--json', 'read', room, ...extra])).stdout) as { events: ReadEvent[] }).events;

  it.each([
    ['an open room', 'town', []],
    ['a private room', 'vault', ['--private']],
  ] as const)('works in %s, and a delete leaves nothing of the text on the server', { timeout: 240_000 }, async (_label, room, flags) => {
    expect((await chat(alice, ['create', room, ...flags])).code).toBe(0);
    if (flags.length > 0) {
      const invite = JSON.parse((await chat(alice, ['--json', 'invite', room])).stdout) as { url: string };
      expect((await chat(bob, ['join', invite.url])).code).toBe(0);
    } else {
      expect((await chat(bob, ['join', room])).code).toBe(0);
    }
    const original = `helo wrold ${room}quetzal`;
    const sent = JSON.parse((await chat(alice, ['--json', 'send', room, original])).stdout) as { seq: number };
    const seq = String(sent.seq);

    const forged = await chat(bob, ['edit', room, seq, 'bob was here']);
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toMatch(/only the author/);
    expect(forged.stderr).toContain(`message ${seq}`);
    const fixed = `hello world ${room}axolotl`;
    expect((await chat(alice, ['edit', room, seq, fixed])).code).toBe(0);
    // Search knows the latest text only, as the message itself (its seq), not as the edit event.
    const searchFor = async (word: string) => (JSON.parse((await chat(bob, ['--json', 'search', word])).stdout) as { hits: { seq: number }[] }).hits.map((h) => h.seq);
    expect(await searchFor(`${room}quetzal`)).toEqual([]);
    expect(await searchFor(`${room}axolotl`)).toEqual([sent.seq]);
    expect((await chat(bob, ['react', room, seq, 'nice'])).code).not.toBe(0);
    const like = await chat(bob, ['--json', 'react', room, seq, '👍']);
    expect(like.code).toBe(0);
    // A mistyped seq that is bob's reaction: chat delete refuses it rather than deleting his 👍.
    const likeSeq = String((JSON.parse(like.stdout) as { seq: number }).seq);
    const mistyped = await chat(alice, ['delete', room, likeSeq]);
    expect(mistyped.code).not.toBe(0);
    expect(mistyped.stderr).toContain(`#${likeSeq} is a reaction by bob, not a message`);
    expect((await chat(bob, ['send', room, '--reply-to', seq, 'agreed'])).code).toBe(0);

    const events = await readJson(alice, room);
    const message = events.find((e) => e.seq === sent.seq);
    expect(message).toMatchObject({ text: fixed, edited: true, deleted: false, reactions: [{ key: '👍', count: 1 }] });
    expect(events.find((e) => e.relation?.type === 'reply')).toMatchObject({ text: 'agreed', replyTo: { seq: sent.seq, text: fixed } });
    const text = (await chat(alice, ['read', room])).stdout;
    expect(text).toContain(`alice: ${fixed} (edited) #${seq}`);
    expect(text).toContain('👍 1');
    expect(text).toContain(`┌ reply to #${seq} alice: ${fixed}`);

    // Bob takes his reaction back by reacting again.
    expect((await chat(bob, ['react', room, seq, '👍'])).code).toBe(0);
    expect((await readJson(alice, room)).find((e) => e.seq === sent.seq)?.reactions).toEqual([]);

    expect((await chat(bob, ['delete', room, seq])).code).not.toBe(0);
    expect((await chat(alice, ['delete', room, seq])).code).toBe(0);
    const after = await readJson(bob, room);
    expect(after.find((e) => e.seq === sent.seq)).toMatchObject({ body: null, envelope: null, deleted: true, text: null });
    expect((await chat(bob, ['read', room])).stdout).toContain('[message deleted]');
    const search = JSON.parse((await chat(bob, ['--json', 'search', 'axolotl'])).stdout) as { hits: unknown[] };
    expect(search.hits).toEqual([]);
    const dump = await dumpDatabase(db.url);
    expect(dump).not.toContain(`${room}quetzal`);
    expect(dump).not.toContain(`${room}axolotl`);
    expect((await chat(alice, ['edit', room, seq, 'again'])).code).not.toBe(0);
  });

  it('moves the read marker on the server with chat read, unless --no-mark-read', { timeout: 120_000 }, async () => {
    expect((await chat(alice, ['create', 'marks'])).code).toBe(0);
    expect((await chat(bob, ['join', 'marks'])).code).toBe(0);
    expect((await chat(alice, ['send', 'marks', 'one'])).code).toBe(0);
    const readSeq = async () => (JSON.parse((await chat(bob, ['--json', 'rooms'])).stdout) as { rooms: { name: string; readSeq?: number }[] }).rooms.find((r) => r.name === 'marks')?.readSeq;
    // Bob's marker starts at his join (seq 2): only alice's later message is unread.
    expect(await readSeq()).toBe(2);
    expect((await chat(bob, ['read', 'marks', '--no-mark-read'])).code).toBe(0);
    expect(await readSeq()).toBe(2);
    expect((await chat(bob, ['read', 'marks'])).code).toBe(0);
    expect(await readSeq()).toBe(3);
  });
});
