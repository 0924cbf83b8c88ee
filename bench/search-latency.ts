// Server full-text search over a large room history: N messages in 20 open rooms, given their search
// terms by the start-up re-index (timed), then queries of several shapes through the Store (uncached),
// timed one after another; and what a stored message costs the send path (rows written, time). On
// PostgreSQL, or on the embedded PGlite (in memory) with engine 'pglite'.
// Standalone: node dist-bench/search-latency.js [messages] [postgres|pglite] [re-indexed: a number or all]
// (default 1,000,000 on PostgreSQL, 20,000 re-indexed); BENCH_SEARCH_REUSE=<database> searches a database
// loaded before (BENCH_KEEP_DB=1) again, after migrating it (a database of migration 014 gets 015 and
// the conversion of every message, timed). With it, BENCH_SEARCH_QUERIES_ONLY=1 times the queries only (no
// row rewritten: two builds can alternate on the same data); BENCH_SEARCH_SEED=<n> asks the same queries
// every run, BENCH_SEARCH_QUERIES=<n> that many a shape (default 50).
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { migrate } from '../server/store/migrate.js';
import { createPgClient } from '../server/store/pg-client.js';
import { createPgliteClient } from '../server/store/pglite-client.js';
import { reindexSearch } from '../server/store/search-reindex.js';
import type { SqlClient } from '../server/store/sql-client.js';
import { SqlStore } from '../server/store/sql-store.js';
import { analyze, lexemeOf, quoteLexeme, SEARCH_TERMS_VERSION, toTsvector } from '../shared/search/index.js';

export interface SearchLatency {
  readonly engine: 'postgres' | 'pglite';
  readonly messages: number;
  readonly loadSeconds: number;
  /** Messages the timed re-index wrote (all, or a sample). */
  readonly reindexed: number;
  /** Writing their search terms (the re-index the server runs at start after a tokenizer change), s. */
  readonly reindexSeconds: number;
  /** The same at its rate for 1,000,000 messages, s. */
  readonly reindexSecondsPerMillion: number;
  /**
   * Messages stored before migration 015 whose tsvector the re-index converted (parts' lexemes marked, in
   * SQL), timed: every message of a reused 014 database, else a sample of five times `reindexed`.
   */
  readonly converted: number;
  readonly convertSeconds: number;
  /** The same at its rate for 1,000,000 messages, s. */
  readonly convertSecondsPerMillion: number;
  /** Size of the GIN index (room_events_search) and of the terms column (TOAST included), bytes. */
  readonly indexBytes: number;
  readonly termsBytes: number;
  /**
   * The send path: 2,000 messages stored in statements of 20 (copies of the newest, rolled back after),
   * rows written per message over every table (this transaction's own statistics) and ms per message.
   */
  readonly sendRowsPerMessage: number;
  readonly sendMsPerMessage: number;
  readonly shapes: { readonly shape: string; readonly queries: number; readonly p50: number; readonly p95: number; readonly max: number; readonly hitsAvg: number }[];
  readonly all: { readonly p50: number; readonly p95: number };
}

const ROOM_COUNT = 20;
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'shi', 'pe', 'da', 'gu', 'zen', 'bra', 'tor', 'fel', 'quin'];
/** Common Han characters; the CJK words are pairs of them (one bigram, one term each). */
const HAN = '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话';

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

/** A token of the bench's texts with a query that finds it by a part (for compound tokens). */
export interface Token {
  readonly text: string;
  /** The token's terms as tsvector input with `#` for its position (every token here takes one position). */
  readonly terms: string;
  readonly part?: string;
}

/** A token's terms (English stems) as a tsvector template, as toTsvector writes them: `'form':#A '^part':#B '~stem':#C`. */
function template(text: string): string {
  const terms = analyze(text, { language: 'en' });
  if (terms.some((t) => t.position !== 1)) throw new Error(`bench token ${text} takes more than one position`);
  return terms.map((t) => `${quoteLexeme(lexemeOf(t.form, t.kind))}:#${{ exact: 'A', part: 'B', stem: 'C' }[t.kind]}`).join(' ');
}

/** Thrown to roll a measuring transaction back, carrying what it measured. */
class Measured extends Error {
  constructor(readonly value: { rows: number; ms: number }) {
    super('rolled back');
  }
}

/** Rows written per stored message and ms per message, for 2,000 copies of the newest messages stored 20 per statement, rolled back. */
async function sendPathCost(sql: SqlClient): Promise<{ rows: number; ms: number }> {
  const n = 2_000;
  try {
    await sql.transaction(async (tx) => {
      const { rows: src } = await tx.query<{ room_id: string; sender_id: string; body: string; search: string }>(
        'SELECT room_id, sender_id, body, search::text AS search FROM room_events WHERE body IS NOT NULL ORDER BY created_at DESC LIMIT $1',
        [n],
      );
      const started = performance.now();
      for (let i = 0; i < src.length; i += 20) {
        const b = src.slice(i, i + 20);
        await tx.query(
          `INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, client_msg_id, search, search_version)
           SELECT gen_random_uuid(), r, 100000000 + $5::int + o, 'message', s, t, gen_random_uuid(), v::tsvector, ${SEARCH_TERMS_VERSION}
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS x(r, s, t, v, o)`,
          [b.map((r) => r.room_id), b.map((r) => r.sender_id), b.map((r) => r.body), b.map((r) => r.search), i],
        );
      }
      const ms = performance.now() - started;
      const { rows } = await tx.query<{ n: string | null }>('SELECT sum(n_tup_ins) AS n FROM pg_stat_xact_user_tables');
      throw new Measured({ rows: Number(rows[0]?.n ?? 0) / src.length, ms: ms / src.length });
    });
  } catch (error) {
    if (error instanceof Measured) return error.value;
    throw error;
  }
  throw new Error('unreachable: the measuring transaction always rolls back');
}

/**
 * The bench's tokens, most frequent first within each kind: 5,000 made-up words; 2,000 compound
 * tokens (host names `kalo-mine07.lan`, ids `PLT-1234`, e-mail addresses), each found by a part;
 * 1,000 two-character Han words (one bigram each).
 */
export function lexicon(): { words: Token[]; compounds: Token[]; cjk: Token[] } {
  const vocab = vocabulary(5_000);
  const words = vocab.map((w) => ({ text: w, terms: template(w) }));
  const compounds: Token[] = [];
  for (let i = 0; compounds.length < 2_000; i++) {
    const a = vocab[(i * 7) % 500] as string;
    const b = vocab[(i * 13 + 1) % 800] as string;
    const num = String(i).padStart(2, '0');
    const [text, part] =
      i % 3 === 0 ? [`${a}-${b}${num}.lan`, `${a}-${b}${num}`] : i % 3 === 1 ? [`PLT-${1000 + i}`, String(1000 + i)] : [`${a}.${b}${num}@example.com`, `${b}${num}`];
    compounds.push({ text, terms: template(text), part });
  }
  const cjk: Token[] = [];
  const han = [...HAN];
  for (let i = 0; cjk.length < 1_000; i++) {
    const text = (han[(i * 31) % han.length] as string) + (han[(Math.floor(i / han.length) * 7 + i) % han.length] as string);
    if (text[0] !== text[1] && !cjk.some((c) => c.text === text)) cjk.push({ text, terms: template(text) });
  }
  return { words, compounds, cjk };
}

/** A deterministic random number generator in [0, 1) from a 32-bit seed (mulberry32). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The query shapes the bench times, each a name and a maker of fresh queries drawing on `random`.
 * Frequencies fall with a token's index in its list: the first entries are common, the last rare.
 */
export function queryShapes(lex: ReturnType<typeof lexicon>, random: () => number): [string, () => string][] {
  const { words, compounds, cjk } = lex;
  const pick = (list: readonly Token[], lo: number, hi: number) => list[lo + Math.floor(random() * (hi - lo))] as Token;
  const word = (lo: number, hi: number) => pick(words, lo, hi).text;
  return [
    ['one common word', () => word(0, 50)],
    ['one rare word', () => word(3_000, 5_000)],
    ['two words', () => `${word(0, 500)} ${word(0, 500)}`],
    ['"a phrase"', () => `"${word(0, 200)} ${word(0, 200)}"`],
    ['word -excluded', () => `${word(0, 500)} -${word(0, 50)}`],
    ['a or b', () => `${word(500, 2_000)} or ${word(500, 2_000)}`],
    ['CJK (two characters)', () => pick(cjk, 0, 200).text],
    ['part of a token', () => pick(compounds, 0, 500).part as string],
  ];
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** Options of `searchLatency`. */
export interface SearchLatencyOptions {
  readonly engine?: 'postgres' | 'pglite';
  /**
   * Messages whose terms the start-up re-index writes, timed: all of them (`'all'`, as after a
   * tokenizer change on a full history), or a sample of this many (the others get the same terms
   * straight from SQL, which loads 1M messages in minutes instead of hours); the rate gives the time
   * for the whole history. Default 20,000.
   */
  readonly reindex?: number | 'all';
  /**
   * On PostgreSQL: a database this bench loaded before (kept with BENCH_KEEP_DB=1), searched again
   * without loading (the re-index sample and the queries only); kept afterwards.
   */
  readonly reuse?: string;
  /** With `reuse`: time the queries only (no conversion, re-index, vacuum or send-path step). */
  readonly queriesOnly?: boolean;
  /** Seed of the queries' random words: the same seed asks the same queries (default: a random one). */
  readonly seed?: number;
  /** Queries timed per shape (default 50). */
  readonly queries?: number;
  readonly log?: (line: string) => void;
}

/**
 * Loads `messages` messages, re-indexes them (or a sample) and times the query shapes. `adminUrl`
 * names a PostgreSQL server where a scratch database is made (dropped after unless BENCH_KEEP_DB=1);
 * with engine 'pglite' an in-memory embedded database is used instead.
 */
export async function searchLatency(adminUrl: string, size: number, options: SearchLatencyOptions = {}): Promise<SearchLatency> {
  const engine = options.engine ?? 'postgres';
  let messages = size;
  const log = options.log ?? (() => {});
  const reuse = engine === 'postgres' ? options.reuse : undefined;
  const name = reuse ?? `chat_search_bench_${randomBytes(4).toString('hex')}`;
  let sql: SqlClient;
  if (reuse) {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    sql = createPgClient(url.toString());
  } else if (engine === 'postgres') {
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
    const { words, compounds, cjk } = lexicon();
    let roomIds: string[] = [];
    let loadSeconds = 0;
    if (reuse) {
      roomIds = (await sql.query<{ id: string }>(`SELECT id FROM rooms WHERE name LIKE 'search-%'`)).rows.map((r) => r.id);
      messages = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM room_events WHERE body IS NOT NULL')).rows[0]?.n);
      log(`search bench (${engine}): reusing ${name}, ${messages} messages; migrations applied: ${(await migrate(sql)).join(', ') || 'none'}`);
    } else {
      await migrate(sql);
      const owner = randomUUID();
      const created = await store.createUserWithDevice(
        { id: owner, username: 'bench', passwordHash: 'x' },
        { id: randomUUID(), name: 'bench' },
        { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } },
      );
      if (!created.ok) throw new Error(created.conflict);
      for (let r = 0; r < ROOM_COUNT; r++) {
        const room = await store.createRoom({ id: randomUUID(), name: `search-${r}`, topic: '', visibility: 'open', ownerId: owner, joinEventId: randomUUID() });
        if (!room.ok) throw new Error(room.conflict);
        roomIds.push(room.value.room.id);
      }
      const tokens = [...words, ...compounds, ...cjk];
      const started = Date.now();
      // Each message: 6 to 25 tokens, 84% words, 8% compound tokens, 8% Han words, each kind skewed
      // towards its first entries (squared uniform). Its terms are its tokens' terms at their positions,
      // what the tokenizer writes (English stems: the made-up words have no language to detect), and the
      // time-bucket lexemes migration 015's trigger adds.
      // The search indexes are made after the load (faster than keeping them up to date row by row).
      const indexes = await sql.query<{ def: string; name: string }>(
        `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'room_events' AND indexname IN ('room_events_recent', 'room_events_search')`,
      );
      for (const i of indexes.rows) await sql.exec(`DROP INDEX ${i.name}`);
      const batch = 50_000;
      for (let from = 0; from < messages; from += batch) {
        const to = Math.min(messages, from + batch) - 1;
        await sql.query(
          `INSERT INTO room_events (id, room_id, seq, kind, sender_id, body, created_at, search, search_version)
           SELECT gen_random_uuid(), ($1::uuid[])[1 + g.i % ${ROOM_COUNT}], 2 + g.i / ${ROOM_COUNT}, 'message', $2,
                  t.body, now() - make_interval(secs => ($5 - g.i) * 3), t.search::tsvector, ${SEARCH_TERMS_VERSION}
           FROM generate_series($6::int, $7::int) AS g(i)
           CROSS JOIN LATERAL (
             SELECT string_agg(($3::text[])[k], ' ' ORDER BY p) AS body, string_agg(replace(($4::text[])[k], '#', p::text), ' ' ORDER BY p) AS search
             FROM (SELECT p, CASE WHEN r < 0.84 THEN 1 + floor(power(random(), 2) * ${words.length})::int
                                  WHEN r < 0.92 THEN ${words.length + 1} + floor(power(random(), 2) * ${compounds.length})::int
                                  ELSE ${words.length + compounds.length + 1} + floor(power(random(), 2) * ${cjk.length})::int END AS k
                   FROM (SELECT p, random() AS r FROM generate_series(1, 6 + g.i % 20) AS p WHERE g.i >= 0) x) y
           ) t`,
          [roomIds, owner, tokens.map((t) => t.text), tokens.map((t) => t.terms), messages, from, to],
        );
        log(`search bench (${engine}): ${to + 1} messages`);
      }
      await sql.exec(`UPDATE rooms SET head_seq = (SELECT max(seq) FROM room_events e WHERE e.room_id = rooms.id)`);
      // The GIN index sorts tens of millions of entries: given memory, in one go (one session: one script).
      for (const i of indexes.rows) await sql.exec(`SET maintenance_work_mem = '1GB'; ${i.def}; RESET maintenance_work_mem`);
      await sql.exec('VACUUM ANALYZE room_events');
      const loaded = Date.now();
      loadSeconds = (loaded - started) / 1000;
      // The SQL-made terms are the tokenizer's (English stems; a reused database's re-indexed messages
      // have their detected language's): a sample checked against toTsvector.
      const sample = await sql.query<{ id: string; body: string }>('SELECT id, body FROM room_events WHERE body IS NOT NULL ORDER BY random() LIMIT 20');
      for (const r of sample.rows) {
        const { rows } = await sql.query<{ same: boolean }>('SELECT search = $2::tsvector || search_time_lexemes(created_at) AS same FROM room_events WHERE id = $1', [r.id, toTsvector(r.body, { language: 'en' })]);
        if (!rows[0]?.same) throw new Error(`bench terms differ from the tokenizer's for: ${r.body}`);
      }
    }
    // The re-index of migration 015 (messages stored before it get their parts' lexemes marked, in SQL):
    // every message of a reused database of 014, else a sample of five times the tokenizer's (its
    // tsvectors already converted: the conversion leaves a marked lexeme as it is, at the same cost).
    // Queries only (a reused database): no conversion, re-index, vacuum or send-path step, so runs of two
    // builds can alternate on the same data without rewriting any row between them.
    const queriesOnly = options.queriesOnly === true && reuse !== undefined;
    let converted = 0;
    let convertSeconds = 0;
    let reindexed = 0;
    let reindexSeconds = 0;
    let send = { rows: 0, ms: 0 };
    if (!queriesOnly) {
      // The re-index of migration 015 (messages stored before it get their parts' lexemes marked, in SQL):
      // every message of a reused database of 014, else a sample of five times the tokenizer's (its
      // tsvectors already converted: the conversion leaves a marked lexeme as it is, at the same cost).
      converted = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM room_events WHERE body IS NOT NULL AND NOT search_kinds')).rows[0]?.n);
      if (converted === 0) {
        converted = Math.min(messages, (options.reindex === 'all' ? messages : (options.reindex ?? 20_000)) * 5);
        await sql.query(`UPDATE room_events SET search_kinds = false WHERE id IN (SELECT id FROM room_events WHERE body IS NOT NULL ORDER BY random() LIMIT $1)`, [converted]);
      }
      const convertStarted = Date.now();
      await reindexSearch(store, (done) => done % 50_000 === 0 && log(`search bench (${engine}): converted ${done}`));
      convertSeconds = (Date.now() - convertStarted) / 1000;
      log(`search bench (${engine}): converted ${converted} (migration 015) in ${convertSeconds.toFixed(1)} s`);
      // The re-index the server runs at start (messages of an older tokenizer version), with the postings'
      // index in place as it would be: on every message or on a sample, timed.
      reindexed = options.reindex === 'all' ? messages : Math.min(messages, options.reindex ?? 20_000);
      await sql.query(
        `UPDATE room_events SET search_version = 0 WHERE id IN (SELECT id FROM room_events WHERE body IS NOT NULL ORDER BY random() LIMIT $1)`,
        [reindexed],
      );
      const reindexStarted = Date.now();
      await reindexSearch(store, (done) => done % 10_000 === 0 && log(`search bench (${engine}): re-indexed ${done}`));
      reindexSeconds = (Date.now() - reindexStarted) / 1000;
      log(`search bench (${engine}): re-indexed ${reindexed} in ${reindexSeconds.toFixed(0)} s`);
      await sql.exec('VACUUM ANALYZE room_events');
    }
    const sizes = await sql.query<{ index_bytes: string; terms_bytes: string }>(
      `SELECT pg_relation_size('room_events_search') AS index_bytes, (SELECT sum(pg_column_size(search)) FROM room_events) AS terms_bytes`,
    );
    const indexBytes = Number(sizes.rows[0]?.index_bytes ?? 0);
    const termsBytes = Number(sizes.rows[0]?.terms_bytes ?? 0);
    log(`search bench (${engine}): GIN index ${(indexBytes / 2 ** 20).toFixed(0)} MiB, tsvector column ${(termsBytes / 2 ** 20).toFixed(0)} MiB`);
    if (!queriesOnly) {
      send = await sendPathCost(sql);
      log(`search bench (${engine}): send path ${send.rows.toFixed(1)} rows and ${send.ms.toFixed(2)} ms per stored message`);
    }

    const shapes = queryShapes({ words, compounds, cjk }, seededRandom(options.seed ?? randomBytes(4).readUInt32LE(0)));
    const everything: number[] = [];
    const results: SearchLatency['shapes'][number][] = [];
    for (const [shape, make] of shapes) {
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < 3; i++) await store.searchMessages({ query: make(), roomIds, limit: 20, offset: 0 }); // warm-up
      for (let i = 0; i < (options.queries ?? 50); i++) {
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
    return {
      engine,
      messages,
      loadSeconds,
      reindexed,
      reindexSeconds,
      reindexSecondsPerMillion: (reindexSeconds / Math.max(1, reindexed)) * 1_000_000,
      converted,
      convertSeconds,
      convertSecondsPerMillion: (convertSeconds / Math.max(1, converted)) * 1_000_000,
      indexBytes,
      termsBytes,
      sendRowsPerMessage: send.rows,
      sendMsPerMessage: send.ms,
      shapes: results,
      all: { p50: percentile(everything, 0.5), p95: percentile(everything, 0.95) },
    };
  } finally {
    await store.close();
    // PGlite's database was in memory; a PostgreSQL scratch database is dropped unless asked to keep it.
    if (reuse) {
      log(`search bench: kept database ${name} (reused)`);
    } else if (engine === 'postgres' && process.env.BENCH_KEEP_DB === '1') {
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
  const reindex = process.argv[4] === 'all' ? 'all' : process.argv[4] ? Number(process.argv[4]) : undefined;
  searchLatency(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', n, {
    engine,
    reindex,
    reuse: process.env.BENCH_SEARCH_REUSE,
    queriesOnly: process.env.BENCH_SEARCH_QUERIES_ONLY === '1',
    seed: process.env.BENCH_SEARCH_SEED ? Number(process.env.BENCH_SEARCH_SEED) : undefined,
    queries: process.env.BENCH_SEARCH_QUERIES ? Number(process.env.BENCH_SEARCH_QUERIES) : undefined,
    log: (l) => process.stderr.write(`${l}\n`) }).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
