// Server full-text search over a large room history: N messages in 20 open rooms, given their search
// terms by the start-up re-index (timed), then queries of several shapes through the Store (uncached),
// timed one after another. On PostgreSQL, or on the embedded PGlite (in memory) with engine 'pglite'.
// Standalone: node dist-bench/search-latency.js [messages] [postgres|pglite]   (default 1,000,000 on PostgreSQL)
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { migrate } from '../server/store/migrate.js';
import { createPgClient } from '../server/store/pg-client.js';
import { createPgliteClient } from '../server/store/pglite-client.js';
import { reindexSearch } from '../server/store/search-reindex.js';
import type { SqlClient } from '../server/store/sql-client.js';
import { SqlStore } from '../server/store/sql-store.js';

export interface SearchLatency {
  readonly engine: 'postgres' | 'pglite';
  readonly messages: number;
  readonly loadSeconds: number;
  /** Writing every message's search terms (the re-index the server runs after migration 011), s. */
  readonly reindexSeconds: number;
  /** Size of the GIN index of the terms, and of the terms column (TOAST included), bytes. */
  readonly indexBytes: number;
  readonly termsBytes: number;
  readonly shapes: { readonly shape: string; readonly queries: number; readonly p50: number; readonly p95: number; readonly max: number; readonly hitsAvg: number }[];
  readonly all: { readonly p50: number; readonly p95: number };
}

const ROOM_COUNT = 20;
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'shi', 'pe', 'da', 'gu', 'zen', 'bra', 'tor', 'fel', 'quin'];

/** A deterministic vocabulary of `n` made-up words (two to four syllables each). */
function vocabulary(n: number): string[] {
  const words = new Set<string>();
  for (let i = 0; words.size < n; i++) {
    let x = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    const parts = 2 + (x % 3);
    let w = '';
    for (let k = 0; k < parts; k++) {
      w += SYLLABLES[x % SYLLABLES.length];
      x = Math.floor(x / SYLLABLES.length);
    }
    words.add(w);
  }
  return [...words];
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/**
 * Loads `messages` messages, re-indexes them and times the query shapes. `adminUrl` names a
 * PostgreSQL server where a scratch database is made (dropped after unless BENCH_KEEP_DB=1); with
 * engine 'pglite' an in-memory embedded database is used instead.
 */
export async function searchLatency(adminUrl: string, messages: number, log: (line: string) => void = () => {}, engine: 'postgres' | 'pglite' = 'postgres'): Promise<SearchLatency> {
  const name = `chat_search_bench_${randomBytes(4).toString('hex')}`;
  let sql: SqlClient;
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    sql = createPgClient(url.toString());
  } else {
    sql = await createPgliteClient(undefined);
  }
  const store = new SqlStore(sql);
  try {
    await migrate(sql);
    const owner = randomUUID();
    const created = await store.createUserWithDevice(
      { id: owner, username: 'bench', passwordHash: 'x' },
      { id: randomUUID(), name: 'bench' },
      { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } },
    );
    if (!created.ok) throw new Error(created.conflict);
    const roomIds: string[] = [];
    for (let r = 0; r < ROOM_COUNT; r++) {
      const room = await store.createRoom({ id: randomUUID(), name: `search-${r}`, topic: '', visibility: 'open', ownerId: owner, joinEventId: randomUUID() });
      if (!room.ok) throw new Error(room.conflict);
      roomIds.push(room.value.room.id);
    }
    const words = vocabulary(5_000);
    const started = Date.now();
    // Messages as they stood before migration 011: text, no search terms.
    const batch = 100_000;
    for (let from = 0; from < messages; from += batch) {
      const to = Math.min(messages, from + batch) - 1;
      // Words skewed towards the start of the vocabulary (squared uniform), 6 to 25 per message.
      await sql.query(
        `INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, created_at)
         SELECT gen_random_uuid(), ($1::uuid[])[1 + g.i % ${ROOM_COUNT}], 2 + g.i / ${ROOM_COUNT}, 'message', $2,
                array_to_string(ARRAY(SELECT ($3::text[])[1 + floor(power(random(), 2) * array_length($3::text[], 1))::int]
                                      FROM generate_series(1, 6 + g.i % 20) WHERE g.i >= 0), ' '),
                now() - make_interval(secs => ($4 - g.i) * 3)
         FROM generate_series($5::int, $6::int) AS g(i)`,
        [roomIds, owner, words, messages, from, to],
      );
      log(`search bench (${engine}): ${to + 1} messages`);
    }
    await sql.exec(`UPDATE rooms SET head_seq = (SELECT max(seq) FROM room_events e WHERE e.room_id = rooms.id)`);
    const loaded = Date.now();
    // The re-index the server runs at start, with the GIN index in place as it would be.
    await reindexSearch(store, (done) => done % 100_000 === 0 && log(`search bench (${engine}): re-indexed ${done}`));
    const reindexSeconds = (Date.now() - loaded) / 1000;
    log(`search bench (${engine}): re-indexed in ${reindexSeconds.toFixed(0)} s`);
    await sql.exec('ANALYZE');
    const sizes = await sql.query<{ index_bytes: string; terms_bytes: string }>(
      `SELECT pg_relation_size('room_events_search') AS index_bytes, (SELECT sum(pg_column_size(search)) FROM room_events) AS terms_bytes`,
    );
    const indexBytes = Number(sizes.rows[0]?.index_bytes ?? 0);
    const termsBytes = Number(sizes.rows[0]?.terms_bytes ?? 0);
    const loadSeconds = (loaded - started) / 1000;

    // Frequencies fall with the index: the first words are common, the last rare.
    const pick = (lo: number, hi: number) => words[lo + Math.floor(Math.random() * (hi - lo))] as string;
    const shapes: [string, () => string][] = [
      ['one common word', () => pick(0, 50)],
      ['one rare word', () => pick(3_000, 5_000)],
      ['two words', () => `${pick(0, 500)} ${pick(0, 500)}`],
      ['"a phrase"', () => `"${pick(0, 200)} ${pick(0, 200)}"`],
      ['word -excluded', () => `${pick(0, 500)} -${pick(0, 50)}`],
      ['a or b', () => `${pick(500, 2_000)} or ${pick(500, 2_000)}`],
    ];
    const everything: number[] = [];
    const results: SearchLatency['shapes'][number][] = [];
    for (const [shape, make] of shapes) {
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < 3; i++) await store.searchMessages({ query: make(), roomIds, limit: 20, offset: 0 }); // warm-up
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        hits += (await store.searchMessages({ query: make(), roomIds, limit: 20, offset: 0 })).length;
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      everything.push(...times);
      results.push({ shape, queries: times.length, p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: times.at(-1) ?? 0, hitsAvg: hits / times.length });
      log(`search bench (${engine}): ${shape}: p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms`);
    }
    everything.sort((a, b) => a - b);
    return { engine, messages, loadSeconds, reindexSeconds, indexBytes, termsBytes, shapes: results, all: { p50: percentile(everything, 0.5), p95: percentile(everything, 0.95) } };
  } finally {
    await store.close();
    // PGlite's database was in memory; a PostgreSQL scratch database is dropped unless asked to keep it.
    if (engine === 'postgres' && process.env.BENCH_KEEP_DB === '1') {
      log(`search bench: kept database ${name} (BENCH_KEEP_DB=1)`);
    } else if (engine === 'postgres') {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    }
  }
}

// Run directly (not when bundled into run.js, whose own URL would match import.meta.url).
if (/search-latency\.[jt]s$/.test(process.argv[1] ?? '') && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 1_000_000);
  const engine = process.argv[3] === 'pglite' ? 'pglite' : 'postgres';
  searchLatency(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', n, (l) => process.stderr.write(`${l}\n`), engine).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
