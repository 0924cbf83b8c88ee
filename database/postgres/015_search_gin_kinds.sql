-- Search back on one GIN index over room_events.search, in place of the postings table of 014
-- (search_terms: ~35 rows and btree entries a message, written by triggers on every send; 1.1 GB at
-- 200,000 messages against 53 MiB for the GIN index).
--
-- A term's kind is now spelled in its lexeme instead of only in its weight (toTsvector in
-- shared/search/tokens.ts): a whole token is its form (`example.com`), a part is `^` + its form
-- (`^example`), a stem is `~` + its stem (`~deploi`, as before). No term the tokenizer makes begins with
-- `^`. A query for whole tokens only (`'example'`), or for whole tokens and parts (`'example' | '^example'`),
-- then has no weight, so the GIN index answers it without rechecking each match's tsvector on the table;
-- weights stay (A whole, B part, C stem) for ts_rank. Positions are kept, so parts and stems share their
-- token's position and phrases (`<->`) still match through them.
--
-- Messages stored before this migration have their kinds in weights only: search_kinds reads false for
-- them (the column's first default, kept for existing rows without rewriting the table) and true for new
-- ones. The re-index the server runs at start (server/store/search-reindex.ts) converts them in
-- batches, newest first, in SQL (search_kinds_in_lexemes below), found through room_events_kinds_unmarked;
-- until then a part of theirs matches as a whole token would. Newest first keeps the rewritten rows of
-- one time together in the table, as search reads them (the newest matches first).
--
-- The GIN index keeps new entries in a pending list that every search reads whole, until a vacuum or
-- the list's limit moves them into the index. 4 MB (the default) made a search's index scan read ~480
-- pages more at 200,000 messages here; 512 kB keeps that under 64 pages, for a send path that still
-- costs a small part of what 014's postings did (see docs/benchmarks.md).
DROP TRIGGER IF EXISTS room_events_post_inserted ON room_events;
DROP TRIGGER IF EXISTS room_events_post_updated ON room_events;
DROP FUNCTION IF EXISTS room_events_post_inserted();
DROP FUNCTION IF EXISTS room_events_post_updated();
DROP FUNCTION IF EXISTS search_postings(tsvector);
DROP FUNCTION IF EXISTS search_posted(boolean, tsvector, text, boolean, text);
DROP TABLE IF EXISTS search_terms;
DROP INDEX IF EXISTS room_events_unlisted;
ALTER TABLE room_events DROP COLUMN IF EXISTS search_listed;

ALTER TABLE room_events ADD COLUMN search_kinds boolean NOT NULL DEFAULT false;
ALTER TABLE room_events ALTER COLUMN search_kinds SET DEFAULT true;
CREATE INDEX room_events_kinds_unmarked ON room_events (created_at DESC) WHERE body IS NOT NULL AND NOT search_kinds;
CREATE INDEX room_events_search ON room_events USING gin (search) WITH (gin_pending_list_limit = 512) WHERE body IS NOT NULL;
-- The planner chooses between the GIN bitmap (then a sort) and a walk of room_events_recent newest first
-- by how common it thinks the words are; a lexeme missing from the column's most common elements is
-- guessed at half the rarest one's frequency. With the default 1,000 elements that guess was 0.24% at 1M
-- messages, so a part seen in 0.08% of them was walked for (600 ms) instead of taken from the bitmap
-- (3 ms); 10,000 elements bring the guess under 0.07%. ANALYZE samples 300,000 rows for it.
ALTER TABLE room_events ALTER COLUMN search SET STATISTICS 1000;

-- A tsvector of before this migration with each part's lexeme marked: every position of weight B moves
-- from `form` to `^form` (with its weight); A and C positions stay, and so does a lexeme already marked
-- (converting twice changes nothing). NULL stays NULL.
CREATE FUNCTION search_kinds_in_lexemes(search tsvector)
RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT coalesce(string_agg(quote || coalesce(':' || positions, ''), ' '), '')::tsvector
  FROM (
    SELECT '''' || replace(replace(CASE WHEN p.weight = 'B' AND left(t.lexeme, 1) <> '^' THEN '^' ELSE '' END || t.lexeme, '\', '\\'), '''', '''''') || '''' AS quote,
           string_agg(p.pos::text || p.weight, ',' ORDER BY p.pos) AS positions
    FROM unnest(search) AS t(lexeme, positions, weights)
    LEFT JOIN LATERAL unnest(t.positions, t.weights) AS p(pos, weight) ON true
    GROUP BY 1
  ) x
$$;

-- Time buckets as lexemes: each searchable text's tsvector also holds the hour and the day of its
-- created_at (UTC) as lexemes without positions, `@h:2026-11-30T08` and `@d:2026-11-30` (no term of the
-- tokenizer begins with `@`). "The newest matches of a word" is then asked window by window, newest first
-- (`word & ('@h:…' | …)`, see newestMatches in server/store/sql-store.ts): the GIN index intersects the
-- word's list with the window's itself, and only the matches inside the window are read from the table,
-- where the planner would not AND a created_at range with the GIN bitmap (it filters one by the other).
-- A trigger adds them wherever search is written (a send, an edit, a re-index, the conversion above).
CREATE FUNCTION search_time_lexemes(at timestamptz)
RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT array_to_tsvector(ARRAY['@h:' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'), '@d:' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')])
$$;

CREATE FUNCTION room_events_search_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search := NEW.search || search_time_lexemes(NEW.created_at);
  RETURN NEW;
END
$$;

CREATE TRIGGER room_events_search_time BEFORE INSERT OR UPDATE OF search ON room_events
  FOR EACH ROW WHEN (NEW.search IS NOT NULL) EXECUTE FUNCTION room_events_search_time();
