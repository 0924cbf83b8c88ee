import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/support/postgres.js';
import { createPgClient } from './store/pg-client.js';
import { createPgliteClient } from './store/pglite-client.js';
import { defaultMigrationsDir, migrate } from './store/migrate.js';
import { reindexSearch } from './store/search-reindex.js';
import type { SqlClient } from './store/sql-client.js';
import { SqlStore } from './store/sql-store.js';

/** A database that outlives its clients: `open` connects anew, as a restarted server does. */
type Engine = () => Promise<{ open: () => Promise<SqlClient>; drop: () => Promise<void> }>;

const engines: [string, Engine][] = [
  ['PGlite (embedded)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-postings-'));
    return { open: () => createPgliteClient(join(dir, 'db')), drop: () => rm(dir, { recursive: true, force: true }) };
  }],
  ['PostgreSQL', async () => {
    const db = await createTestDatabase();
    return { open: async () => createPgClient(db.url), drop: db.drop };
  }],
];

/** A copy of the migrations up to and including `last` (the schema an older server left). */
async function migrationsUpTo(last: string): Promise<{ dir: string; drop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-migrations-'));
  for (const f of await readdir(defaultMigrationsDir())) if (f <= last) await cp(join(defaultMigrationsDir(), f), join(dir, f));
  return { dir, drop: () => rm(dir, { recursive: true, force: true }) };
}

/** A user and an open room of theirs on `store`. */
async function roomOf(store: SqlStore): Promise<{ user: { id: string; username: string }; roomId: string }> {
  const username = `u${randomUUID().slice(0, 8)}`;
  const created = await store.createUserWithDevice(
    { id: randomUUID(), username, passwordHash: 'h' },
    { id: randomUUID(), name: 'laptop' },
    { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } },
  );
  if (!created.ok) throw new Error(created.conflict);
  const user = { id: created.value.user.id, username };
  const room = await store.createRoom({ id: randomUUID(), name: `r${randomUUID().slice(0, 8)}`, topic: '', visibility: 'open', ownerId: user.id, joinEventId: randomUUID() });
  if (!room.ok) throw new Error(room.conflict);
  return { user, roomId: room.value.room.id };
}

describe.each(engines)('search postings (search_terms): %s', (_name, engine) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('follow a message through edit and deletion, and answer every query shape', async () => {
    const db = await engine();
    cleanups.push(db.drop);
    const sql = await db.open();
    cleanups.push(() => sql.close());
    await migrate(sql);
    const store = new SqlStore(sql);
    const { user, roomId } = await roomOf(store);
    const send = async (body: string) => {
      const [r] = await store.appendMessages([{ id: randomUUID(), roomId, sender: user, clientMsgId: randomUUID(), body, envelope: null }]);
      if (!r?.ok) throw new Error('send failed');
      return r.value.event;
    };
    // Which messages a query finds (in no particular order: ranking has tests of its own).
    const search = async (query: string, extra: { since?: Date; senderId?: string } = {}) =>
      (await store.searchMessages({ query, roomIds: [roomId], limit: 10, offset: 0, ...extra })).map((h) => h.eventId).sort();

    const a = await send('the release notes for kalo-mine07.lan are out');
    const b = await send('notes on the release of PLT-3699');
    const c = await send('deploying the release today');
    expect(await search('release')).toEqual([c.id, b.id, a.id].sort());
    expect(await search('"release notes"')).toEqual([a.id]);
    expect(await search('release -notes')).toEqual([c.id]);
    expect(await search('release -"release notes"')).toEqual([c.id, b.id].sort());
    expect(await search('notes release')).toEqual([b.id, a.id].sort());
    expect(await search('kalo-mine07 or 3699')).toEqual([b.id, a.id].sort());
    expect(await search('deploy')).toEqual([c.id]);
    expect(await search('release', { senderId: randomUUID() })).toEqual([]);
    expect(await search('release', { since: new Date(Date.now() + 60_000) })).toEqual([]);

    // An edit stands for its message: the old text is no longer found, the new one is (as the message).
    const edit = await store.appendRelation({ id: randomUUID(), roomId, sender: user, clientMsgId: randomUUID(), body: 'shipping the release today', envelope: null, relation: { type: 'edit', eventId: c.id } });
    expect(edit.ok).toBe(true);
    expect(await search('deploying')).toEqual([]);
    expect(await search('shipping')).toEqual([c.id]);
    // A deleted message, and its edits, leave no postings.
    const del = await store.deleteMessage({ id: randomUUID(), roomId, by: user, targetSeq: c.seq });
    expect(del.ok).toBe(true);
    expect(await search('shipping')).toEqual([]);
    const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM search_terms WHERE term IN ('shipping', 'deploying')`);
    expect(Number(rows[0]?.n)).toBe(0);
  }, 300_000);

  it('are written for the messages stored before migration 014 by the re-index at start, in batches', async () => {
    const db = await engine();
    cleanups.push(db.drop);
    const old = await migrationsUpTo('013_device_activity.sql');
    cleanups.push(old.drop);

    // A server of migration 013 stored three messages with the current tokenizer's terms (in the tsvector only).
    let sql = await db.open();
    await migrate(sql, old.dir);
    const user = { id: randomUUID(), username: 'ann' };
    const roomId = randomUUID();
    await sql.query('INSERT INTO users (id, username, password_hash) VALUES ($1, $2, $3)', [user.id, user.username, 'h']);
    await sql.query(`INSERT INTO rooms (id, name, visibility, owner_id, head_seq) VALUES ($1, 'ops', 'open', $2, 3)`, [roomId, user.id]);
    await sql.query(`INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, 'owner')`, [roomId, user.id]);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const [i, id] of ids.entries()) {
      await sql.query(
        `INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, client_msg_id, search, search_version)
         VALUES ($1, $2, $3, 'message', $4, 'srv-web03.lan is down', $5, $$'srv-web03.lan':1A 'srv-web03':1B 'web03.lan':1B 'srv':1B 'web03':1B 'lan':1B 'is':2A 'down':3A$$::tsvector, 1)`,
        [id, roomId, i + 1, user.id, randomUUID()],
      );
    }
    await sql.close();

    // The server restarts on the current code: migration 014, then the re-index it runs at start.
    sql = await db.open();
    cleanups.push(() => sql.close());
    await migrate(sql);
    const store = new SqlStore(sql);
    const search = async (query: string) => (await store.searchMessages({ query, roomIds: [roomId], limit: 5, offset: 0 })).map((h) => h.eventId).sort();
    expect(await search('web03')).toEqual([]);
    // Batches of one: stopping after the first leaves the rest for the next start.
    expect(await store.reindexSearchBatch(1)).toBe(1);
    expect(await search('web03')).toEqual([ids[2]]);
    expect(await reindexSearch(store, undefined, 1)).toBe(2);
    expect(await search('web03')).toEqual([...ids].sort());
    expect(await search('down')).toEqual([...ids].sort());
    // Done once: a second start finds nothing left, and new messages get their postings as they are stored.
    expect(await reindexSearch(store)).toBe(0);
    const [sent] = await store.appendMessages([{ id: randomUUID(), roomId, sender: user, clientMsgId: randomUUID(), body: 'web03 is back', envelope: null }]);
    expect(sent?.ok).toBe(true);
    expect(await search('web03')).toHaveLength(4);
  }, 300_000);
});
