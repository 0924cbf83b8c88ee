-- Search ranks among the newest matches: for a word in a large share of all messages, walking the
-- messages newest first finds them sooner than ranking every match.
CREATE INDEX room_events_recent ON room_events (created_at DESC) WHERE body IS NOT NULL;
