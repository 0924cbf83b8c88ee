import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { analyze, parseQuery, quoteLexeme, SEARCH_TERMS_VERSION, toTsvector } from '../shared/search/index.js';
import { migrationsUpTo, reopenableEngines } from '../test/support/reopenable-databases.js';
import type { Engine } from '../test/support/reopenable-databases.js';
import { migrate } from './store/migrate.js';
import { toTsquery } from './store/search-sql.js';
import { reindexSearch } from './store/search-reindex.js';
import { SqlStore } from './store/sql-store.js';

const engines = reopenableEngines('chat-kinds');

const BODY = 'srv-web03.lan is down';

/** The terms a server of migration 014 wrote for `text`: this tokenizer's, kinds in weights only (A whole, B part, C stem). */
function oldTsvector(text: string): string {
  const byForm = new Map<string, string[]>();
  for (const t of analyze(text)) byForm.set(t.form, [...(byForm.get(t.form) ?? []), `${t.position}${{ exact: 'A', part: 'B', stem: 'C' }[t.kind]}`]);
  return [...byForm].map(([form, positions]) => `${quoteLexeme(form)}:${positions.join(',')}`).join(' ');
}

/** A migrated database of `engine` (closed and dropped by `cleanups`), a user and an open room of theirs. */
async function freshRoom(engine: Engine, cleanups: (() => Promise<void>)[]) {
  const db = await engine();
  cleanups.push(db.drop);
  const sql = await db.open();
  cleanups.push(() => sql.close());
  await migrate(sql);
  const store = new SqlStore(sql);
  const created = await store.createUserWithDevice(
    { id: randomUUID(), username: `u${randomUUID().slice(0, 8)}`, passwordHash: 'h' },
    { id: randomUUID(), name: 'laptop' },
    { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } },
  );
  if (!created.ok) throw new Error(created.conflict);
  const room = await store.createRoom({ id: randomUUID(), name: 'ops', topic: '', visibility: 'open', ownerId: created.value.user.id, joinEventId: randomUUID() });
  if (!room.ok) throw new Error(room.conflict);
  return { sql, store, user: created.value.user, roomId: room.value.room.id };
}

describe.each(engines)('search terms with their kind in the lexeme (migration 015): %s', (_name, engine) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('converts the messages of a 014 server in SQL, batch by batch at start, drops the postings, and finds them by whole token and by part', async () => {
    const db = await engine();
    cleanups.push(db.drop);
    const old = await migrationsUpTo('014_search_postings.sql');
    cleanups.push(old.drop);

    // A server of migration 014 stored three messages (their postings written by its triggers).
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
         VALUES ($1, $2, $3, 'message', $4, $5, $6, $7::tsvector, 1)`,
        [id, roomId, i + 1, user.id, BODY, randomUUID(), oldTsvector(BODY)],
      );
    }
    await sql.close();

    // The server restarts on the current code: migration 015, then the re-index it runs at start.
    sql = await db.open();
    cleanups.push(() => sql.close());
    await migrate(sql);
    const { rows: gone } = await sql.query<{ t: string | null }>(`SELECT to_regclass('search_terms')::text AS t`);
    expect(gone[0]?.t).toBeNull();
    const store = new SqlStore(sql);
    const hits = async (query: string) => (await store.searchMessages({ query, roomIds: [roomId], limit: 5, offset: 0 })).map((h) => ({ id: h.eventId, matchClass: Math.floor(h.score) }));
    const stored = async (id: string) => (await sql.query<{ same: boolean; kinds: boolean }>(`SELECT search = $2::tsvector || search_time_lexemes(created_at) AS same, search_kinds AS kinds FROM room_events WHERE id = $1`, [id, toTsvector(BODY)])).rows[0];

    // Not yet converted, they are found through the GIN index all the same (a part as if whole).
    expect((await hits('down')).map((h) => h.id).sort()).toEqual([...ids].sort());
    // Batches of one: stopping after the first leaves the rest for the next start.
    expect(await store.reindexSearchBatch(1)).toBe(1);
    expect(await reindexSearch(store, undefined, 1)).toBe(2);
    for (const id of ids) expect(await stored(id)).toEqual({ same: true, kinds: true });
    // Found by a whole token (class 3) and by a part (class 2), told apart by lexeme.
    expect((await hits('srv-web03.lan')).map((h) => h.matchClass)).toEqual([3, 3, 3]);
    expect((await hits('web03')).map((h) => h.matchClass)).toEqual([2, 2, 2]);
    expect((await hits('"web03 is down"')).map((h) => h.id).sort()).toEqual([...ids].sort());
    // Done once: a second start finds nothing left, and new messages are written in the new form.
    expect(await reindexSearch(store)).toBe(0);
    const [sent] = await store.appendMessages([{ id: randomUUID(), roomId, sender: user, clientMsgId: randomUUID(), body: BODY, envelope: null }]);
    if (!sent?.ok) throw new Error('send failed');
    expect(await stored(sent.value.event.id)).toEqual({ same: true, kinds: true });
    expect(await hits('web03')).toHaveLength(4);
  }, 300_000);

  it('finds the newest matches window by window, and older ones past every window', async () => {
    const { sql, store, user, roomId } = await freshRoom(engine, cleanups);
    // Messages of now, 3 hours, 3 days, 30 days and 400 days ago (past every window), each with its buckets.
    const ages = [0, 3, 72, 720, 9600];
    const ids: string[] = [];
    for (const [i, hours] of ages.entries()) {
      const id = randomUUID();
      ids.push(id);
      await sql.query(
        `INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, client_msg_id, created_at, search, search_version)
         VALUES ($1, $2, $3, 'message', $4, $5, $6, now() - make_interval(hours => $7), $8::tsvector, $9)`,
        [id, roomId, 10 + i, user.id, BODY, randomUUID(), hours, toTsvector(BODY), SEARCH_TERMS_VERSION],
      );
    }
    const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM room_events WHERE id = ANY ($1::uuid[]) AND search @@ $2::tsquery`, [
      [ids[4]],
      `'@d:${new Date(Date.now() - 9600 * 3_600_000).toISOString().slice(0, 10)}'`,
    ]);
    expect(Number(rows[0]?.n)).toBe(1);
    const found = await store.searchMessages({ query: 'web03', roomIds: [roomId], limit: 10, offset: 0 });
    expect(found.map((h) => h.eventId)).toEqual(ids);
    expect((await store.searchMessages({ query: 'down', roomIds: [roomId], limit: 10, offset: 3 })).map((h) => h.eventId)).toEqual(ids.slice(3));
  }, 300_000);

  it('lets the GIN index tell a whole token from a part: no candidate to recheck on the table', async () => {
    const { sql, store, user, roomId } = await freshRoom(engine, cleanups);
    // `web03` only ever as a part of a host name, `lan` as a part and once as a whole word.
    for (const body of ['srv-web03.lan is down', 'db-web03.lan too', 'the lan is fine']) {
      const [r] = await store.appendMessages([{ id: randomUUID(), roomId, sender: user, clientMsgId: randomUUID(), body, envelope: null }]);
      if (!r?.ok) throw new Error('send failed');
    }
    // The store's whole-token query, as a bitmap scan of the GIN index: the index hands over only the
    // messages that have the word whole (before 015 a weight restricted the query, and the index handed
    // over every message having the lexeme at any weight, for the table to recheck).
    const indexRows = async (query: string) =>
      sql.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_seqscan = off');
        const { rows } = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM room_events WHERE body IS NOT NULL AND search @@ $1::tsquery`, [toTsquery(parseQuery(query), 'exact')]);
        const plan = JSON.stringify(rows[0]?.['QUERY PLAN']);
        const index = /"Node Type":"Bitmap Index Scan"[^{}]*?"Index Name":"room_events_search"[^{}]*?"Actual Rows":(\d+)/.exec(plan);
        expect(index, plan).not.toBeNull();
        return Number(index?.[1]);
      });
    expect(await indexRows('web03')).toBe(0);
    expect(await indexRows('lan')).toBe(1);
  }, 300_000);
});
