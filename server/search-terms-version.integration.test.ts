import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationsUpTo, reopenableEngines } from '../test/support/reopenable-databases.js';
import { migrate } from './store/migrate.js';
import { reindexSearch } from './store/search-reindex.js';
import type { SqlClient } from './store/sql-client.js';
import { SqlStore } from './store/sql-store.js';

const engines = reopenableEngines('chat-terms');

describe.each(engines)('search terms of an older tokenizer: %s', (_name, engine) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('are rewritten by the re-index at start, so a message stored before the runs of hyphenated pieces is found by one', async () => {
    const db = await engine();
    cleanups.push(db.drop);
    const old = await migrationsUpTo('011_search_terms.sql');
    cleanups.push(old.drop);

    // A server of migration 011 stores a message with the terms its tokenizer wrote then: the whole
    // host name and its pieces, but not the runs of neighbouring pieces (`srv-web03`, `web03.lan`).
    let sql = await db.open();
    await migrate(sql, old.dir);
    const user = { id: randomUUID(), username: 'ann' };
    const roomId = randomUUID();
    const id = randomUUID();
    await sql.query('INSERT INTO users (id, username, password_hash) VALUES ($1, $2, $3)', [user.id, user.username, 'h']);
    await sql.query(`INSERT INTO rooms (id, name, visibility, owner_id, head_seq) VALUES ($1, 'ops', 'open', $2, 1)`, [roomId, user.id]);
    await sql.query(`INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, 'owner')`, [roomId, user.id]);
    await sql.query(
      `INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, client_msg_id, search)
       VALUES ($1, $2, 1, 'message', $3, 'srv-web03.lan is down again', $4,
               $$'srv-web03.lan':1A 'srv':1B 'web03':1B 'lan':1B 'is':2A 'down':3A 'again':4A '~again':4C$$::tsvector)`,
      [id, roomId, user.id, randomUUID()],
    );
    await sql.close();

    // The server restarts on the current code: migrations, then the re-index it runs at start.
    sql = await db.open();
    cleanups.push(() => sql.close());
    await migrate(sql);
    const store = new SqlStore(sql);
    const search = async (query: string) => (await store.searchMessages({ query, roomIds: [roomId], limit: 5, offset: 0 })).map((h) => h.eventId);
    expect(await search('srv-web03')).toEqual([]);
    expect(await reindexSearch(store)).toBe(1);
    expect(await search('srv-web03')).toEqual([id]);
    expect(await search('web03.lan')).toEqual([id]);
    // Done once: a second start finds nothing left to rewrite, and new messages are written current.
    const [sent] = await store.appendMessages([{ id: randomUUID(), roomId, sender: user, clientMsgId: randomUUID(), body: 'db-eu02.lan too', envelope: null }]);
    expect(sent?.ok).toBe(true);
    expect(await reindexSearch(store)).toBe(0);
    expect(await search('db-eu02')).toHaveLength(1);
  }, 300_000);

  // A message deleted after the re-index had read its batch got its terms written back over the delete:
  // its words stayed in the database for good (seen on PostgreSQL with deletes during a start's re-index).
  it('writes no terms for a message deleted while its batch was being tokenized', async () => {
    const db = await engine();
    cleanups.push(db.drop);
    const sql = await db.open();
    cleanups.push(() => sql.close());
    await migrate(sql);
    const user = { id: randomUUID(), username: 'ann' };
    const roomId = randomUUID();
    const [kept, deleted] = [randomUUID(), randomUUID()];
    await sql.query('INSERT INTO users (id, username, password_hash) VALUES ($1, $2, $3)', [user.id, user.username, 'h']);
    await sql.query(`INSERT INTO rooms (id, name, visibility, owner_id, head_seq) VALUES ($1, 'ops', 'open', $2, 2)`, [roomId, user.id]);
    await sql.query(`INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, 'owner')`, [roomId, user.id]);
    for (const [seq, id, body] of [[1, kept, 'we met secretly'], [2, deleted, 'the launch code is hidden']] as const) {
      await sql.query(
        `INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, client_msg_id, search_version) VALUES ($1, $2, $3, 'message', $4, $5, $6, 2)`,
        [id, roomId, seq, user.id, body, randomUUID()],
      );
    }
    const store = new SqlStore(sql);
    // The delete commits between the re-index's read of the batch and its write of the terms.
    const racing: SqlClient = {
      queryWithTimeout: (timeoutMs, text, params) => sql.queryWithTimeout(timeoutMs, text, params),
      transaction: (fn) => sql.transaction(fn),
      close: () => sql.close(),
      exec: (script) => sql.exec(script),
      query: async (text, params) => {
        if (text.includes('SET search = v.search')) expect((await store.deleteMessage({ id: randomUUID(), roomId, targetSeq: 2, by: user })).ok).toBe(true);
        return sql.query(text, params);
      },
    };
    await reindexSearch(new SqlStore(racing));
    const { rows } = await sql.query<{ id: string; search: string | null }>('SELECT id, search::text AS search FROM room_events WHERE id = ANY($1::uuid[]) ORDER BY seq', [[kept, deleted]]);
    expect(rows.map((r) => [r.id, r.search === null ? null : 'terms'])).toEqual([[kept, 'terms'], [deleted, null]]);
    expect((await store.searchMessages({ query: 'secret', roomIds: [roomId], limit: 5, offset: 0 })).map((h) => h.eventId)).toEqual([kept]);
  }, 300_000);
});
