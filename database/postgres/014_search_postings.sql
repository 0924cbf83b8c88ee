-- Search postings: each searchable message's terms as rows of search_terms, one per distinct term, keyed
-- (term, created_at DESC, room_id, seq), so "the newest matches of a term in these rooms" is a range of
-- one btree read newest first, index-only, stopping at the LIMIT; terms of a query are intersected by
-- probing the same index with a match's (term, created_at, room_id, seq). The GIN index over
-- room_events.search made search read a table page per match (to order by time and to tell a whole
-- token from a part); it goes. room_events.search stays: the few candidates a search ranks are ranked
-- from it, and phrases are checked against it.
--
-- kind is the best the message has of the term: 1 a whole token (tsvector weight A), 2 a part (B),
-- 3 a stem (C). A message has rows while it is searchable: text, its terms listed (search_listed), not
-- superseded by an edit, and a plain message, an edit or a reply (a reaction has no terms). The
-- triggers below keep the rows in step with every insert and update of room_events (a new message, an
-- edit superseding, a deletion, a re-index), set-based per statement.
CREATE TABLE search_terms (
  term       text NOT NULL,
  created_at timestamptz NOT NULL,
  room_id    uuid NOT NULL,
  seq        bigint NOT NULL,
  kind       smallint NOT NULL
);
CREATE INDEX search_terms_recent ON search_terms (term, created_at DESC, room_id, seq) INCLUDE (kind);

-- Messages stored before this migration have no rows yet: they read search_listed false (the column's
-- first default, kept for existing rows without rewriting them), new ones true. The re-index the server
-- runs at start (server/store/search-reindex.ts) lists them in batches, newest first and resumable:
-- setting search_listed makes the trigger write their rows from their tsvector, in SQL.
ALTER TABLE room_events ADD COLUMN search_listed boolean NOT NULL DEFAULT false;
ALTER TABLE room_events ALTER COLUMN search_listed SET DEFAULT true;
CREATE INDEX room_events_unlisted ON room_events (created_at DESC) WHERE body IS NOT NULL AND NOT search_listed;
DROP INDEX IF EXISTS room_events_search;

-- Whether a room_events row has postings.
CREATE FUNCTION search_posted(listed boolean, search tsvector, body text, superseded boolean, relation_type text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT listed AND search IS NOT NULL AND body IS NOT NULL AND NOT superseded AND (relation_type IS NULL OR relation_type IN ('edit', 'reply'))
$$;

-- A tsvector's postings: each lexeme once with its best kind.
CREATE FUNCTION search_postings(search tsvector)
RETURNS TABLE (term text, kind smallint) LANGUAGE sql IMMUTABLE AS $$
  SELECT t.lexeme, (CASE WHEN 'A' = ANY (t.weights) THEN 1 WHEN 'B' = ANY (t.weights) THEN 2 ELSE 3 END)::smallint
  FROM unnest(search) AS t
$$;

CREATE FUNCTION room_events_post_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_terms (term, created_at, room_id, seq, kind)
    SELECT p.term, n.created_at, n.room_id, n.seq, p.kind
    FROM new_rows n CROSS JOIN LATERAL search_postings(n.search) p
    WHERE search_posted(n.search_listed, n.search, n.body, n.superseded, n.relation_type);
  RETURN NULL;
END
$$;

CREATE FUNCTION room_events_post_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  -- Rows that had postings and now have none or other terms: theirs go, each by its own index lookups
  -- (a join of the transition table, which has no statistics, could be planned as a scan of every posting).
  FOR r IN
    SELECT o.search, o.created_at, o.room_id, o.seq
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE search_posted(o.search_listed, o.search, o.body, o.superseded, o.relation_type)
      AND NOT (search_posted(n.search_listed, n.search, n.body, n.superseded, n.relation_type)
               AND o.search = n.search AND o.created_at = n.created_at AND o.room_id = n.room_id AND o.seq = n.seq)
  LOOP
    DELETE FROM search_terms
      WHERE term = ANY (tsvector_to_array(r.search)) AND created_at = r.created_at AND room_id = r.room_id AND seq = r.seq;
  END LOOP;
  -- Rows that have postings and had none or other terms: theirs come.
  INSERT INTO search_terms (term, created_at, room_id, seq, kind)
    SELECT p.term, n.created_at, n.room_id, n.seq, p.kind
    FROM old_rows o JOIN new_rows n ON n.id = o.id CROSS JOIN LATERAL search_postings(n.search) p
    WHERE search_posted(n.search_listed, n.search, n.body, n.superseded, n.relation_type)
      AND NOT (search_posted(o.search_listed, o.search, o.body, o.superseded, o.relation_type)
               AND o.search = n.search AND o.created_at = n.created_at AND o.room_id = n.room_id AND o.seq = n.seq);
  RETURN NULL;
END
$$;

CREATE TRIGGER room_events_post_inserted AFTER INSERT ON room_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION room_events_post_inserted();
CREATE TRIGGER room_events_post_updated AFTER UPDATE ON room_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION room_events_post_updated();
