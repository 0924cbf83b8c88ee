-- Full-text search over open rooms: each message's words (English stemming) kept beside it and
-- indexed with GIN. Private rooms store no text, so they have nothing here; clients search those.
ALTER TABLE room_events ADD COLUMN search tsvector
  GENERATED ALWAYS AS (to_tsvector('english', coalesce(body, ''))) STORED;
CREATE INDEX room_events_search ON room_events USING gin (search) WHERE body IS NOT NULL;
