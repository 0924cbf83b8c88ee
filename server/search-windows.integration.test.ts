import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SEARCH_TERMS_VERSION, toTsvector } from '../shared/search/index.js';
import { reopenableEngines } from '../test/support/reopenable-databases.js';
import type { Engine } from '../test/support/reopenable-databases.js';
import { migrate } from './store/migrate.js';
import type { SqlClient, SqlExecutor } from './store/sql-client.js';
import { SqlStore } from './store/sql-store.js';

const engines = reopenableEngines('chat-windows');

/** A candidate pass of the search (ginCandidates), as the store sends it, with its plan when asked. */
interface Pass {
  readonly windowed: boolean;
  /** The window's time-bucket lexemes (`tsquery` input), if windowed. */
  readonly buckets?: string;
  /** EXPLAIN (FORMAT JSON) of the pass, run in the same transaction and settings as the pass itself. */
  readonly plan: string;
}

/**
 * `sql` recording the search's candidate passes (statements that start `SELECT c.id`): whether each
 * is limited to a window (time-bucket lexemes and a created_at range), and its plan, explained on the
 * connection (and in the transaction, with its settings) that then runs it.
 */
function recording(sql: SqlClient, passes: Pass[]): SqlClient {
  const wrap = (q: SqlExecutor): SqlExecutor['query'] => async (text, params) => {
    if (text.startsWith('SELECT c.id')) {
      const { rows } = await q.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, params);
      const buckets = params?.find((p): p is string => typeof p === 'string' && p.startsWith("'@"));
      passes.push({ windowed: /e\.created_at < \$\d+::timestamptz/.test(text), buckets, plan: JSON.stringify(rows[0]?.['QUERY PLAN']) });
    }
    return q.query(text, params) as never;
  };
  return {
    query: wrap(sql),
    exec: (script) => sql.exec(script),
    queryWithTimeout: async (timeoutMs, text, params) => {
      if (text.startsWith('SELECT c.id')) await wrap(sql)(text, params);
      return sql.queryWithTimeout(timeoutMs, text, params);
    },
    transaction: (fn) => sql.transaction((tx) => fn({ query: wrap(tx), exec: (s) => tx.exec(s) })),
    close: () => sql.close(),
  };
}

/** A migrated database of `engine` (closed and dropped by `cleanups`), a user and an open room of theirs, searched through a recording client. */
async function freshRoom(engine: Engine, cleanups: (() => Promise<void>)[]) {
  const db = await engine();
  cleanups.push(db.drop);
  const sql = await db.open();
  cleanups.push(() => sql.close());
  await migrate(sql);
  const setup = new SqlStore(sql);
  const created = await setup.createUserWithDevice(
    { id: randomUUID(), username: `u${randomUUID().slice(0, 8)}`, passwordHash: 'h' },
    { id: randomUUID(), name: 'laptop' },
    { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } },
  );
  if (!created.ok) throw new Error(created.conflict);
  const room = await setup.createRoom({ id: randomUUID(), name: 'ops', topic: '', visibility: 'open', ownerId: created.value.user.id, joinEventId: randomUUID() });
  if (!room.ok) throw new Error(room.conflict);
  const passes: Pass[] = [];
  return { sql, passes, store: new SqlStore(recording(sql, passes)), userId: created.value.user.id, roomId: room.value.room.id };
}

/** Stores `count` messages `body` in the room, one every `everySeconds`, the newest `hoursAgo` hours ago (their time buckets from the trigger). */
async function storeMessages(sql: SqlClient, roomId: string, userId: string, body: string, count: number, hoursAgo: number, everySeconds: number): Promise<void> {
  // Older first, so that seq grows with created_at as it does when messages are sent.
  await sql.query(
    `INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, client_msg_id, created_at, search, search_version)
     SELECT gen_random_uuid(), $1, (SELECT head_seq FROM rooms WHERE id = $1) + g, 'message', $2, $3, gen_random_uuid(),
            now() - make_interval(hours => $4) - make_interval(secs => ($5 - g) * $6::float8), $7::tsvector, $8
     FROM generate_series(1, $5::int) AS g`,
    [roomId, userId, body, hoursAgo, count, everySeconds, toTsvector(body), SEARCH_TERMS_VERSION],
  );
  await sql.query('UPDATE rooms SET head_seq = head_seq + $2 WHERE id = $1', [roomId, count]);
  // As autovacuum leaves it: statistics, and the GIN index's pending list merged into the index.
  await sql.exec('VACUUM ANALYZE room_events');
}

describe.each(engines)('search windows: %s', (_name, engine) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('sizes the windows from the room\'s newest message, not from now: a room quiet for days is found in its windows', async () => {
    const { sql, passes, store, userId, roomId } = await freshRoom(engine, cleanups);
    // A match every 10 minutes for two days, then three days of silence (a weekend).
    await storeMessages(sql, roomId, userId, 'the deploy is done', 288, 72, 600);
    const hits = await store.searchMessages({ query: 'deploy', roomIds: [roomId], limit: 20, offset: 0 });
    expect(hits).toHaveLength(20);
    const { rows } = await sql.query<{ id: string }>(`SELECT id FROM room_events WHERE room_id = $1 AND body IS NOT NULL ORDER BY created_at DESC LIMIT 20`, [roomId]);
    expect(new Set(hits.map((h) => h.eventId))).toEqual(new Set(rows.map((r) => r.id)));
    // Every candidate came from a window (sized from the newest message three days ago): with windows
    // sized from now, the first (the last hour) held nothing and the search read all of the history.
    expect(passes.length).toBeGreaterThan(0);
    expect(passes.filter((p) => !p.windowed)).toEqual([]);
  }, 300_000);

  it('finds exactly the newest matches through a window of day lexemes, its partial days\' other messages left out', async () => {
    const { sql, passes, store, userId, roomId } = await freshRoom(engine, cleanups);
    // A match every 15 minutes for 100 hours, the newest one now: the first window finds a few, the
    // next reaches back days and, at this rate, is spelled with day lexemes only (its first and last
    // days partial: the first window's matches are in its newest day's lexeme too, and must not come twice).
    await storeMessages(sql, roomId, userId, 'the deploy is done', 400, 0, 900);
    const { rows } = await sql.query<{ id: string }>(`SELECT id FROM room_events WHERE room_id = $1 AND body IS NOT NULL ORDER BY created_at DESC LIMIT 200`, [roomId]);
    const first = await store.searchMessages({ query: 'deploy', roomIds: [roomId], limit: 100, offset: 0 });
    const second = await store.searchMessages({ query: 'deploy', roomIds: [roomId], limit: 100, offset: 100 });
    expect([...first, ...second].map((h) => h.eventId)).toEqual(rows.map((r) => r.id));
    expect(passes.every((p) => p.windowed)).toBe(true);
    expect(passes.some((p) => p.buckets !== undefined && !p.buckets.includes("'@h:") && p.buckets.split(' | ').length >= 2)).toBe(true);
  }, 300_000);

  it('finds a phrase\'s exact and looser matches in one pass over the rest when they are few, exact ones first', async () => {
    const { sql, passes, store, userId, roomId } = await freshRoom(engine, cleanups);
    // Older than the first window: the exact phrase twice, the looser one (a stem) three times, newer.
    await storeMessages(sql, roomId, userId, 'we deploy fixes today', 2, 30, 3_600);
    await storeMessages(sql, roomId, userId, 'he deploys fixes daily', 3, 20, 3_600);
    await storeMessages(sql, roomId, userId, 'status report', 50, 0, 60);
    const hits = await store.searchMessages({ query: '"deploy fixes"', roomIds: [roomId], limit: 10, offset: 0 });
    const { rows } = await sql.query<{ id: string; body: string }>(`SELECT id, body FROM room_events WHERE room_id = $1 AND body LIKE '%fixes%' ORDER BY body LIKE 'we%' DESC, created_at DESC`, [roomId]);
    expect(hits.map((h) => h.eventId)).toEqual(rows.map((r) => r.id));
    expect(hits.map((h) => Math.floor(h.score))).toEqual([3, 3, 1, 1, 1]);
    // The whole-token pass's first window, then one pass over the rest (the looser query), and no second pass.
    expect(passes.map((p) => p.windowed)).toEqual([true, false]);
  }, 300_000);

  it('reads the rest of the history through the GIN index: a query the planner thinks common but that matches nothing walks no message newest first', async () => {
    const { sql, passes, store, userId, roomId } = await freshRoom(engine, cleanups);
    // A word in 300 of 6,300 messages, and an excluded word that every message with it has too: the
    // planner's estimate is the word's frequency, the truth none. The first window (the last hour's
    // 6,000 other messages) finds none; walking room_events_recent newest first for the rest read every
    // message (1 s at 1M messages).
    await storeMessages(sql, roomId, userId, 'the deploy is done', 300, 2, 60);
    await storeMessages(sql, roomId, userId, 'status report', 6_000, 0, 0.5);
    for (const query of ['deploy -deploy', 'deploy -done', '"deploy is" -done']) {
      passes.length = 0;
      // Under a deadline, as the server asks (its statement timeout set in the same transaction).
      expect(await store.searchMessages({ query, roomIds: [roomId], limit: 20, offset: 0, timeoutMs: 60_000 }), query).toEqual([]);
      const rest = passes.filter((p) => !p.windowed);
      expect(rest.length, query).toBeGreaterThan(0);
      for (const p of rest) {
        expect(p.plan, query).toMatch(/"Index Name":"room_events_search"/);
        expect(p.plan, query).not.toMatch(/"Index Name":"room_events_recent"/);
        expect(p.plan, query).not.toMatch(/"Node Type":"Seq Scan"/);
      }
    }
  }, 300_000);
});
